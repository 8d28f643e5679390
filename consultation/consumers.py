"""ws/consultation/<id>/: the live chat of one thread.

The page sends two kinds of frame:

    {"type": "message", "text": "...", "urgent": false, "client_id": "..."}
    {"type": "read", "up_to": <message id>}

and hears:

    {"type": "message", "message": {...}}          a new message (payloads.py)
    {"type": "read", "hospital": bool, "up_to": id}  how far a side has read
    {"type": "ack", "client_id": "...", "id": id}    your message is stored
    {"type": "error", "code": "...", "message": "...", "client_id": "..."}
    {"type": "presence", "counts": {"doctor": n}}    who is online

Every frame is checked before it is acted on: its size, the sender's rate,
and that the session is still signed in to a member of the thread (the user
in the scope was fixed at connect; since then they may have logged out, been
deactivated or lost the doctor role: core.consumers checks, with
refusal_for()). Messages go through services.message_post, which stores them;
they reach the pages, the sender's included, from the broadcast after the
commit (realtime.py), never from here.
"""

import json
import logging
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.consumers import UserSocketConsumer
from accounts.roles import is_doctor
from core.compiled_query import CompiledBatch
from core.ratelimit import counted
from core.sockets import CLOSE_NOT_MEMBER
from core.trips import socket_database

from . import services
from .models import Thread
from .realtime import thread_group

logger = logging.getLogger("healingpaws.consultation")

# A frame carries one message of at most MESSAGE_MAX_LENGTH characters; a
# longer text (Chinese takes three bytes a character) goes through the page's
# form instead, which the script does by itself.
FRAME_MAX_BYTES = 4096
# Messages a user may send per second, over all their sockets (a shared
# cache counts them across processes).
MESSAGES_PER_SECOND = 5
# Frames of any kind one socket may send per second, to stop floods early.
FRAMES_PER_SECOND = 20

# The largest id a bigint column holds.
MAX_ID = 2**63 - 1

FRAME_TOO_LARGE_ERROR = _("This message is too long to send live.")
RATE_LIMITED_ERROR = _("You are sending messages too fast. Wait a moment.")
BAD_FRAME_ERROR = _("The page sent something the server does not understand.")
FRAME_FAILED_ERROR = _("Something went wrong on our side. Try again in a moment.")


class ConsultationConsumer(UserSocketConsumer):
    @classmethod
    def prepare_admissions(cls, consumers):
        # The threads of the pages connecting together, in one query.
        pks = {consumer.scope["url_route"]["kwargs"]["pk"] for consumer in consumers}
        threads = {thread.pk: thread for thread in _thread_batch(sorted(pks))}
        for consumer in consumers:
            pk = consumer.scope["url_route"]["kwargs"]["pk"]
            consumer.prepared_thread = threads.get(pk)

    def admit(self, user):
        # Sync: in the connect's one database trip (core.consumers).
        self.thread_id = self.scope["url_route"]["kwargs"]["pk"]
        thread = _thread_for(
            user, self.thread_id, getattr(self, "prepared_thread", _NOT_READ)
        )
        if thread is None:
            return CLOSE_NOT_MEMBER
        # Kept for message_post(), which reads it again under a lock.
        self.thread = thread
        self.thread_customer_id = thread.customer_id
        self.language = user.preferred_language
        self.frames = []  # send times of this socket's recent frames
        return None

    def more_groups(self):
        return (thread_group(self.thread_id),)

    # --- from the page

    async def receive_frame(self, text_data):
        self.client_id = ""  # of a message frame, once read
        try:
            await self._receive(text_data)
        except Exception:
            # A frame this code did not foresee: the sender hears of it (the
            # page's pending message too) and the socket stays open for the
            # next; the error is logged.
            logger.exception("consultation %s: frame failed", self.thread_id)
            await self.send_error("failed", FRAME_FAILED_ERROR, self.client_id)

    async def _receive(self, text_data):
        # Measured as sent: a lone surrogate has no UTF-8 form, and .encode()
        # of it raised (the JSON escape of one arrives as six characters).
        if (
            text_data is None
            or len(text_data.encode("utf-8", "surrogatepass")) > FRAME_MAX_BYTES
        ):
            await self.send_error("too_large", FRAME_TOO_LARGE_ERROR)
            return
        if not self._frame_allowed():
            await self.send_error("rate_limited", RATE_LIMITED_ERROR)
            return
        try:
            frame = json.loads(text_data)
            kind = frame["type"]
        except (ValueError, TypeError, KeyError, RecursionError):
            # RecursionError: an array or object nested deeper than the
            # parser goes, which 4 KB of "[" reach.
            await self.send_error("bad_frame", BAD_FRAME_ERROR)
            return
        if kind == "message":
            await self._post(frame)
            return
        # Who is asking, now: the session may have ended since the connect.
        user = await self.current_user()
        if user is None:
            return
        if kind == "read":
            await self._read(user, frame)
        else:
            await self.send_error("bad_frame", BAD_FRAME_ERROR)

    async def _post(self, frame):
        client_id = self.client_id = str(frame.get("client_id", ""))[:40]
        text = frame.get("text")
        if not isinstance(text, str):
            await self.send_error("bad_frame", BAD_FRAME_ERROR, client_id)
            return
        try:
            refusal, message = await _post_as_current_user(
                self, text, frame.get("urgent") is True
            )
        except (ValidationError, PermissionDenied) as error:
            await self.send_error(_error_code(error), error, client_id)
            return
        if not await self.access_confirmed(refusal):
            return  # closed: the session ended since the connect
        if message is None:
            await self.send_error("rate_limited", RATE_LIMITED_ERROR, client_id)
            return
        await self.send_json({"type": "ack", "client_id": client_id, "id": message.pk})

    async def _read(self, user, frame):
        up_to = frame.get("up_to")
        # An id, so no larger than the column holds (beyond, the query fails).
        if isinstance(up_to, bool) or not isinstance(up_to, int):
            up_to = 0
        if 0 < up_to <= MAX_ID:
            await _mark_read(self.thread_id, user, up_to)
        else:
            await self.send_error("bad_frame", BAD_FRAME_ERROR)

    def _frame_allowed(self):
        now = time.monotonic()
        self.frames = [sent for sent in self.frames if now - sent < 1]
        self.frames.append(now)
        return len(self.frames) <= FRAMES_PER_SECOND

    async def send_error(self, code, text, client_id=""):
        """An error frame in the user's language; `text` may be a refusal."""
        with translation.override(self.language):
            text = _error_text(text) if isinstance(text, Exception) else str(text)
        await self.send_json(
            {"type": "error", "code": code, "message": text, "client_id": client_id}
        )

    # --- from the channel layer

    async def message_new(self, event):
        # The frame in the reader's language, as realtime.py serialised it
        # (a process of the previous release, in a rolling deploy, sends
        # the payloads instead).
        if "frames" not in event:
            event = {"frames": _frames_of_payloads(event["payloads"])}
        frames = event["frames"]
        await self.push_text(frames.get(self.language) or next(iter(frames.values())))

    async def read_moved(self, event):
        frame = event.get("frame") or json.dumps(
            {"type": "read", "hospital": event["hospital"], "up_to": event["up_to"]}
        )
        await self.push_text(frame)

    def refusal_for(self, user):
        # At frames, before pushes and at heartbeats, for every open page:
        # cheaper than reading the thread again (Thread.objects.visible_to:
        # doctors see every thread, a customer their own; a thread's customer
        # never changes).
        if user.pk == self.thread_customer_id or is_doctor(user):
            return None
        return CLOSE_NOT_MEMBER


def _frames_of_payloads(payloads):
    return {
        code: json.dumps({"type": "message", "message": payload})
        for code, payload in payloads.items()
    }


# prepared_thread before prepare_admissions() has read it.
_NOT_READ = object()
# The threads of a batch of connects, compiled once for each batch size.
_thread_batch = CompiledBatch(
    lambda pks: Thread.objects.filter(pk__in=pks),
    padding=lambda i: -1 - i,  # no thread has it
)


def _thread_for(user, pk, prepared=_NOT_READ):
    """The thread if the user may see it (Thread.objects.visible_to: doctors
    every one, a customer their own), else None; `prepared` is the thread
    read already (None: there is none), or read here."""
    if not user.is_authenticated or not user.is_active:
        return None
    if prepared is _NOT_READ:
        return Thread.objects.visible_to(user).filter(pk=pk).first()
    if prepared is not None and (prepared.customer_id == user.pk or is_doctor(user)):
        return prepared
    return None


def _count_message(user_id):
    """At most MESSAGES_PER_SECOND per user and second, over all processes
    (a shared cache counts them, in one round trip)."""
    key = f"consultation-rate:{user_id}:{_current_second()}"
    return counted(key, timeout=5) <= MESSAGES_PER_SECOND


def _current_second():
    return int(time.time())


# The chat's database work runs on the sockets' own threads, not the one
# every socket shares (core.trips.socket_database): the message's
# transaction, its notification and the push after the commit (its frames
# built there, then sent by the event loop: core.trips.loop_sends) included.
# One trip for a message frame, not three (who is asking, the rate, the
# post): each hop off the event loop waited for it, and for the GIL while the
# loop wrote a broadcast's 200 frames.
@socket_database
def _post_as_current_user(consumer, text, urgent):
    """(refusal, None) when the socket's session no longer may post; (None,
    None) over the rate (MESSAGES_PER_SECOND per user, over all processes);
    else (None, the message stored)."""
    user, refusal = consumer._checked_user()
    if refusal is not None:
        return refusal, None
    if not _count_message(user.pk):
        return None, None
    message = services.message_post(
        thread=consumer.thread, sender=user, text=text, urgent=urgent
    )
    return None, message


@socket_database
def _mark_read(thread_id, user, up_to):
    thread = Thread.objects.get(pk=thread_id)
    services.thread_mark_read(thread=thread, user=user, up_to=up_to)


def _error_code(error):
    if isinstance(error, PermissionDenied):
        return "forbidden"
    return getattr(error, "code", None) or "invalid"


def _error_text(error):
    if isinstance(error, PermissionDenied):
        return str(error) or gettext("Not allowed.")
    return " ".join(error.messages)
