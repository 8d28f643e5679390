"""What the chat sockets of a thread hear: new messages and read receipts.

The services call these inside their transaction; the push happens after the
commit, so a message is always stored before anybody sees it, and a rolled
back one is never seen. Pushes are best effort: a socket that missed one (a
Redis blip, a full channel) gets the message from the history on reconnect.
"""

import json
import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import translation

from core.page_parts import page_parts_changed
from core.realtime import push, push_after_commit
from core.user_counts import user_counts_changed

from .context_processors import UNREAD_CONSULTATIONS
from .models import Message, thread_generation
from .payloads import message_payload

logger = logging.getLogger("healingpaws.consultation")


def thread_group(thread_id: int) -> str:
    """The channel-layer group of a thread's open chat pages."""
    return f"consultation-{thread_id}"


def message_broadcast(message: Message) -> None:
    """After the commit, show a new message on the thread's open pages.

    The message as stored, with the thread and sender it was saved with:
    not read again (a query before every page hears it, issue 14)."""
    transaction.on_commit(partial(_push_message, message))


def read_broadcast(*, thread_id: int, user_id: int, hospital: bool, up_to: int):
    """After the commit, tell the thread's open pages how far a reader has read:
    `hospital` for a doctor, else the customer. The reader's navbar count
    follows (the mark moved by an .update(), which sends no signal)."""
    user_counts_changed(UNREAD_CONSULTATIONS)
    page_parts_changed(thread_generation(thread_id))  # the "seen" mark moves
    frame = {"type": "read", "hospital": hospital, "up_to": up_to}
    push_after_commit(
        thread_group(thread_id),
        {
            "type": "read.moved",
            "user_id": user_id,
            "hospital": hospital,
            "up_to": up_to,
            # The page's frame, serialised once for every socket.
            "frame": json.dumps(frame),
        },
        label=_label(thread_id),
        log=logger,
    )


def _push_message(message):
    # Notices are written in the reader's language: one frame per language,
    # and each socket sends its user's (user messages are the same in all).
    # Serialised here, once: 200 open pages send the same text, where each
    # socket building its own JSON (two layouts of HTML) cost daphne's one
    # event loop a json.dumps per delivery.
    frames = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            payload = message_payload(message)
        frames[code] = json.dumps({"type": "message", "message": payload})
    push(
        thread_group(message.thread_id),
        {"type": "message.new", "frames": frames},
        label=_label(message.thread_id),
        log=logger,
    )


def _label(thread_id):
    return f"consultation {thread_id}: push"
