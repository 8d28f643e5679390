"""What one chat message costs daphne per open page (issue 14): no hop
through the thread that runs every socket's database work, and no JSON built
per socket. Counted, not timed: bench/chat.py has the figures.
"""

import json
from types import SimpleNamespace

import pytest
from asgiref.sync import SyncToAsync, sync_to_async
from django.conf import settings

from accounts.tests.sockets import (
    connected,
    doctor_after_a_flush,
    frame_of,
    nothing_but_presence,
)
from consultation import realtime, services
from consultation.consumers import ConsultationConsumer
from consultation.tests.factories import ThreadFactory
from core import consumers

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def chat(thread):
    return f"/ws/consultation/{thread.pk}/"


@pytest.fixture
def thread(customer):
    return ThreadFactory(customer=customer, subject="Mochi is coughing")


@pytest.fixture
def hops(monkeypatch):
    """The names of the functions run through sync_to_async on the thread
    that the database work of every socket shares, as they happen, and
    "closes" for Channels' close_old_connections before a handler (tests
    make it a no-op of another name)."""
    seen = []
    call = SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        if self._thread_sensitive:  # the shared thread, not the executor's
            seen.append(getattr(self.func, "__name__", repr(self.func)))
        return await call(self, *args, **kwargs)

    close = consumers.aclose_old_connections

    async def counted_close():
        seen.append("closes")
        return await close()

    monkeypatch.setattr(SyncToAsync, "__call__", counted)
    monkeypatch.setattr(consumers, "aclose_old_connections", counted_close)
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


async def test_a_frame_from_the_page_still_closes_stale_connections_first(
    thread, customer, hops
):
    (page,) = [(await connected(chat(thread), customer, greetings=1))[0]]
    hops.clear()

    await page.send_json_to({"type": "message", "text": "Hello", "client_id": "c1"})

    assert (await frame_of(page, "ack"))["client_id"] == "c1"
    # Before the frame's handler, as Channels does; then the frame's own
    # work (who is asking, the post), each closing stale connections itself.
    assert hops[:2] == ["closes", "no_op"]
    assert "_checked_user" in hops  # who is asking, now
    assert "_post" in hops
