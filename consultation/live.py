"""What the chat sockets of a thread hear: new messages and read receipts.

The services call these inside their transaction; the push happens after the
commit, so a message is always stored before anybody sees it, and a rolled
back one is never seen. Pushes are best effort: a socket that missed one (a
Redis blip, a full channel) gets the message from the history on reconnect.
"""

import logging
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils import translation

from .models import Message
from .payloads import message_payload

logger = logging.getLogger("healingpaws.consultation")


def thread_group(thread_id: int) -> str:
    """The channel-layer group of a thread's open chat pages."""
    return f"consultation-{thread_id}"


def message_broadcast(message: Message) -> None:
    """After the commit, show a new message on the thread's open pages."""
    transaction.on_commit(partial(_push_message, message.pk))


def read_broadcast(*, thread_id: int, user_id: int, hospital: bool, up_to: int):
    """After the commit, tell the thread's open pages how far a reader has read:
    `hospital` for a doctor, else the customer."""
    transaction.on_commit(
        partial(
            _push,
            thread_id,
            {
                "type": "read.moved",
                "user_id": user_id,
                "hospital": hospital,
                "up_to": up_to,
            },
        )
    )


def _push_message(message_id):
    try:
        message = Message.objects.select_related("sender", "thread").get(pk=message_id)
    except Message.DoesNotExist:
        return
    # Notices are written in the reader's language: one payload per language,
    # and each socket sends its user's (user messages are the same in all).
    payloads = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            payloads[code] = message_payload(message)
    _push(message.thread_id, {"type": "message.new", "payloads": payloads})


def _push(thread_id, event):
    try:
        async_to_sync(get_channel_layer().group_send)(thread_group(thread_id), event)
    except Exception:
        logger.warning("consultation %s: push not sent", thread_id, exc_info=True)
