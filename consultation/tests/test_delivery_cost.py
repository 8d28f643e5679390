"""What one chat message costs daphne per open page (issue 14): no hop
through the thread that asgiref shares with every socket, and no JSON built
per socket; what a connect and a post cost: one database trip for the
connect, and neither on that thread. Counted, not timed: bench/chat.py has
the figures.
"""

import asyncio
import json
from types import SimpleNamespace

import pytest
from asgiref.sync import SyncToAsync, sync_to_async
from channels.db import DatabaseSyncToAsync
from django.conf import settings
from django.urls import reverse

from accounts.tests.sockets import (
    connected,
    doctor_after_a_flush,
    frame_of,
    nothing_but_presence,
    socket,
)
from consultation import realtime, services
from consultation.consumers import ConsultationConsumer
from consultation.tests.factories import ThreadFactory
from core.sockets import CLOSE_NOT_SIGNED_IN

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def chat(thread):
    return f"/ws/consultation/{thread.pk}/"


@pytest.fixture
def thread(customer):
    return ThreadFactory(customer=customer, subject="Mochi is coughing")


@pytest.fixture
def hops(monkeypatch):
    """The names of the functions run through sync_to_async on the thread
    that asgiref shares with every socket, as they happen."""
    seen = []
    call = SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        if self._thread_sensitive:  # the shared thread, not an executor's
            seen.append(getattr(self.func, "__name__", repr(self.func)))
        return await call(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counted)
    return seen


@pytest.fixture
def trips(monkeypatch):
    """The names of the functions run through database_sync_to_async, on
    whichever thread: the database trips."""
    seen = []
    call = DatabaseSyncToAsync.thread_handler

    def counted(self, loop, *args, **kwargs):
        seen.append(getattr(self.func, "__name__", repr(self.func)))
        return call(self, loop, *args, **kwargs)

    monkeypatch.setattr(DatabaseSyncToAsync, "thread_handler", counted)
    return seen


@pytest.fixture
def encodes(monkeypatch):
    """JSON the chat sockets serialise themselves (send_json)."""
    seen = []
    encode = ConsultationConsumer.encode_json

    async def counted(cls, content):
        seen.append(content["type"])
        return await encode(content)

    monkeypatch.setattr(ConsultationConsumer, "encode_json", classmethod(counted))
    return seen


async def open_pages(thread, customer):
    doctors = [
        await sync_to_async(doctor_after_a_flush)(username=f"dr_{n}") for n in range(2)
    ]
    pages = [(await connected(chat(thread), customer, greetings=1))[0]]
    for doctor in doctors:
        pages.append((await connected(chat(thread), doctor, greetings=1))[0])
    for page in pages:  # the counts of who came after
        assert await nothing_but_presence(page)
    return pages


def post(thread, customer):
    services.message_post(thread=thread, sender=customer, text="She coughs.")


async def test_a_message_reaches_every_page_without_a_hop_per_page(
    thread, customer, hops, encodes
):
    pages = await open_pages(thread, customer)
    hops.clear()
    encodes.clear()

    await sync_to_async(post)(thread, customer)

    for page in pages:
        assert (await frame_of(page, "message"))["message"]["text"] == "She coughs."
    # The post's own database work, and nothing for the three deliveries:
    # no close_old_connections before their handler, no access check (the
    # last is a few seconds old), no JSON of their own.
    assert hops == ["post"]
    assert encodes == []


async def test_the_frame_is_serialised_once_per_language_not_per_page(
    thread, customer, monkeypatch
):
    pages = await open_pages(thread, customer)
    dumped = []

    def counted(value, **kwargs):
        dumped.append(value["type"])
        return json.dumps(value, **kwargs)

    monkeypatch.setattr(realtime, "json", SimpleNamespace(dumps=counted))

    await sync_to_async(post)(thread, customer)

    for page in pages:
        await frame_of(page, "message")
    assert dumped == ["message"] * len(settings.LANGUAGES)


async def test_a_posted_message_makes_no_hop_through_the_shared_thread(
    thread, customer, hops, trips
):
    (page,) = [(await connected(chat(thread), customer, greetings=1))[0]]
    hops.clear()
    trips.clear()

    await page.send_json_to({"type": "message", "text": "Hello", "client_id": "c1"})

    assert (await frame_of(page, "ack"))["client_id"] == "c1"
    assert (await frame_of(page, "message"))["message"]["text"] == "Hello"
    # Who is asking, now (the session may have ended), the rate, and the post
    # with its push after the commit: one trip on the sockets' own threads.
    # No Channels close_old_connections before the handler (each trip closes
    # stale connections itself), no cache hop of its own for the rate limit.
    assert trips == ["_post_as_current_user"]
    assert hops == []


@pytest.mark.parametrize("mfa", [False, True])
async def test_a_connect_is_one_database_trip_off_the_shared_thread(
    thread, customer, hops, trips, settings, mfa
):
    settings.MFA_REQUIRED_FOR_STAFF = mfa
    doctor = await sync_to_async(doctor_after_a_flush)(username="dr_1")
    pages = [await socket(chat(thread), user) for user in (customer, doctor)]
    hops.clear()
    trips.clear()

    for page in pages:
        assert (await page.connect())[0]
    assert (await pages[0].receive_json_from(timeout=2))["type"] == "presence"
    if mfa:  # the doctor's session has not passed its second factor: held
        closed = await pages[1].receive_output(timeout=2)
        assert closed == {"type": "websocket.close", "code": CLOSE_NOT_SIGNED_IN}
    else:
        assert (await pages[1].receive_json_from(timeout=2))["type"] == "presence"

    # The user of the session, the second-factor hold (MFA on), the thread,
    # the presence role, entry and counts: one trip each, none through the
    # shared thread.
    assert trips == ["_admissions_and_presence", "_admissions_and_presence"]
    assert hops == []


@pytest.fixture
def in_memory_layer(settings):
    """Connects that reach the consumer in the same turn of the loop: on
    Redis each waits for its own subscription first, and when they reach
    the consumer depends on Redis's timing."""
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


async def test_connects_that_come_together_share_one_trip(
    thread, customer, hops, trips, in_memory_layer
):
    doctors = [
        await sync_to_async(doctor_after_a_flush)(username=f"dr_{n}") for n in range(3)
    ]
    pages = [await socket(chat(thread), user) for user in (customer, *doctors)]
    hops.clear()
    trips.clear()

    connected_pages = await asyncio.gather(*(page.connect() for page in pages))
    in_turn = list(hops)
    for page in pages:
        await page.disconnect()

    assert all(accepted for accepted, _code in connected_pages)
    # Their sessions, users, roles and the thread read together, and their
    # presence entered (core.trips, core.access_checks, core.presence).
    assert trips == ["_admissions_and_presence"]
    assert in_turn == []


async def test_the_bell_reads_its_count_in_the_connects_one_trip(customer, hops, trips):
    page = await socket("/ws/notifications/", customer)
    hops.clear()
    trips.clear()

    assert (await page.connect())[0]
    frames = [await page.receive_json_from(timeout=2) for _ in range(2)]

    assert frames[0] == {"type": "unread", "unread": 0}
    assert trips == ["_admissions_and_presence"]
    assert hops == []


async def test_a_socket_that_missed_a_push_catches_up_from_the_history(
    thread, customer, client, monkeypatch
):
    """Pushes are best effort (a full channel, a Redis blip): the message is
    stored before it is broadcast, and the page asks for what came after the
    last one it holds when it reconnects."""
    (page,) = [(await connected(chat(thread), customer, greetings=1))[0]]
    held = await sync_to_async(services.message_post)(
        thread=thread, sender=customer, text="Held."
    )
    await frame_of(page, "message")
    monkeypatch.setattr(realtime, "push", lambda *args, **kwargs: None)  # lost

    await page.send_json_to({"type": "message", "text": "Lost", "client_id": "c2"})
    assert (await frame_of(page, "ack"))["client_id"] == "c2"
    assert await nothing_but_presence(page, allowed=("presence", "read"))

    await sync_to_async(client.force_login)(customer)
    url = reverse("consultation:messages", args=[thread.pk])
    caught = await sync_to_async(client.get)(url, {"after": held.pk})
    assert [m["text"] for m in caught.json()["messages"]] == ["Lost"]
