"""WebSocket test helpers: a communicator for the real ASGI application, as a
browser page would open it (origin, host and, when signed in, the session);
and what tells a closed socket's consumer freed by its references alone."""

import asyncio
import contextlib
import gc
import time

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client

from accounts.roles import DOCTORS_GROUP
from accounts.tests.factories import DoctorFactory
from core.sockets import FRAME_WRITER_EXTENSION
from healingpaws.asgi import application
from reservations.tests.factories import ensure_default_hours

ORIGIN = (b"origin", b"http://127.0.0.1")


def doctor_after_a_flush(**fields):
    """A doctor in a transactional test, whose flush emptied the tables that
    migrations filled (the Doctors group, the opening hours)."""
    ensure_default_hours()
    Group.objects.get_or_create(name=DOCTORS_GROUP)
    return DoctorFactory(**fields)


def session_cookie(user):
    browser = Client()
    browser.force_login(user)
    return browser.cookies[settings.SESSION_COOKIE_NAME].value


async def socket(path, user=None, *, origin=ORIGIN, cookie=None, frame_writer=None):
    """A communicator for `path`, signed in as `user` (or with a given
    session cookie) and sent from `origin` (None: no Origin header); with
    frame_writer, the server offers it as daphne does (healingpaws/frame_writer.py)."""
    headers = [(b"host", b"127.0.0.1")]
    if origin is not None:
        headers.append(origin)
    if user is not None:
        cookie = await sync_to_async(session_cookie)(user)
    if cookie is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    served = application if frame_writer is None else _offering(frame_writer)
    return WebsocketCommunicator(served, path, headers=headers)


def _offering(write):
    async def served(scope, receive, send):
        extensions = {FRAME_WRITER_EXTENSION: {"write": write}}
        await application({**scope, "extensions": extensions}, receive, send)

    return served


async def connected(path, user, *, greetings=2, **options):
    """An open socket of `user`, past the frames it sends first (the unread
    count and presence counts); returns it and those frames."""
    communicator = await socket(path, user, **options)
    accepted, _code = await communicator.connect()
    assert accepted
    frames = [await communicator.receive_json_from(timeout=2) for _ in range(greetings)]
    return communicator, frames


# Frames that come besides the ones a test waits for: presence counts
# whenever somebody connects or leaves, read receipts with every message,
# and the sender's acknowledgement.
BACKGROUND = {"presence", "read", "ack"}


async def frame_of(communicator, kind, timeout=2):
    """The next frame of a kind, past background frames."""
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame
        assert frame["type"] in BACKGROUND, frame


async def nothing_but_presence(communicator, *, allowed=("presence",)):
    """Nothing more comes but frames of the allowed types (presence counts
    by default); True once the socket is quiet."""
    while not await communicator.receive_nothing(timeout=0.3):
        frame = await communicator.receive_json_from()
        assert frame["type"] in allowed, frame
    return True


async def nothing_but_background(communicator):
    return await nothing_but_presence(communicator, allowed=BACKGROUND)


async def closed_with(communicator):
    while True:
        output = await communicator.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            return output["code"]


def live_consumers(consumer_class):
    """The consumers of the class alive now (an earlier test's may live on)."""
    return [o for o in gc.get_objects() if type(o) is consumer_class]


@contextlib.contextmanager
def collector_off():
    """No garbage collection meanwhile: what is freed is freed by its
    references alone, as a socket's objects must be (healingpaws/heap.py)."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def freed(reference, seconds=5):
    """Whether the weakly referred object goes within `seconds` (a socket's
    leaving ends on a task)."""
    deadline = time.monotonic() + seconds
    while reference() is not None and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return reference() is None
