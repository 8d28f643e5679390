"""ws/consultation/<id>/: who may connect, what is broadcast, what is refused.

These run on the in-memory channel layer, and on Redis when REDIS_URL is set
(as in CI).
"""

import asyncio
import json
import time
import weakref

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_deactivate, user_demote_from_doctor
from accounts.tests.factories import UserFactory
from accounts.tests.sockets import (
    closed_with,
    collector_off,
    connected,
    doctor_after_a_flush,
    frame_of,
    freed,
    live_consumers,
    nothing_but_background,
    nothing_but_presence,
    socket,
)
from consultation import services
from consultation.consumers import (
    FRAME_FAILED_ERROR,
    FRAME_MAX_BYTES,
    MESSAGES_PER_SECOND,
    ConsultationConsumer,
)
from consultation.models import Message, SystemEvent
from consultation.services import thread_close, thread_mute
from consultation.tests.factories import ThreadFactory
from core import presence
from core.consumers import ACCESS_RECHECK_SECONDS
from core.sockets import CLOSE_NOT_MEMBER, CLOSE_NOT_SIGNED_IN, CLOSE_SESSION_ENDED
from core.trips import Gathering

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def chat(thread):
    return f"/ws/consultation/{thread.pk}/"


@pytest.fixture
def people(customer):
    """A customer's thread, a doctor, and another customer with their own."""
    doctor = doctor_after_a_flush(username="dr_wu")
    thread = ThreadFactory(customer=customer, subject="Mochi is coughing")
    stranger = UserFactory(username="mallory")
    return {
        "customer": customer,
        "doctor": doctor,
        "thread": thread,
        "stranger": stranger,
        "strangers_thread": ThreadFactory(customer=stranger),
    }


async def send(communicator, text, **fields):
    await communicator.send_json_to(
        {"type": "message", "text": text, "client_id": "c1", **fields}
    )


# --- who may connect ----------------------------------------------------------------


async def test_anonymous_visitors_are_refused(people):
    communicator = await socket(chat(people["thread"]))
    await communicator.connect()
    assert await closed_with(communicator) == CLOSE_NOT_SIGNED_IN


async def test_a_foreign_origin_is_refused_at_the_handshake(people):
    communicator = await socket(
        chat(people["thread"]),
        people["customer"],
        origin=(b"origin", b"https://evil.example"),
    )
    accepted, _code = await communicator.connect()
    assert not accepted


async def test_another_customers_thread_is_refused(people):
    communicator = await socket(chat(people["thread"]), people["stranger"])
    await communicator.connect()
    assert await closed_with(communicator) == CLOSE_NOT_MEMBER


async def test_an_unknown_thread_is_refused_like_a_foreign_one(people):
    communicator = await socket("/ws/consultation/999999/", people["doctor"])
    await communicator.connect()
    assert await closed_with(communicator) == CLOSE_NOT_MEMBER


async def test_the_socket_greets_with_who_is_online(people):
    _mine, greetings = await connected(
        chat(people["thread"]), people["customer"], greetings=1
    )
    # The doctor of the doctor_online fixture: customers see doctors only.
    assert greetings == [{"type": "presence", "counts": {"doctor": 1}}]
    _theirs, greetings = await connected(
        chat(people["thread"]), people["doctor"], greetings=1
    )
    # Doctors see both: the customer's chat socket counts.
    assert greetings == [{"type": "presence", "counts": {"doctor": 2, "customer": 1}}]


# --- messages -------------------------------------------------------------------


async def test_a_message_is_stored_then_broadcast_to_the_threads_members_only(
    people,
):
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    doctors, _ = await connected(chat(people["thread"]), people["doctor"], greetings=1)
    strangers, _ = await connected(
        chat(people["strangers_thread"]), people["stranger"], greetings=1
    )

    await send(mine, "She coughs at night.", urgent=True)

    ack = await frame_of(mine, "ack")
    stored = await sync_to_async(Message.objects.get)(pk=ack["id"])
    assert (stored.text, stored.urgent, stored.sender_id) == (
        "She coughs at night.",
        True,
        people["customer"].pk,
    )
    assert ack["client_id"] == "c1"
    for member in (mine, doctors):
        message = (await frame_of(member, "message"))["message"]
        assert message["id"] == stored.pk
        assert message["text"] == "She coughs at night."
        assert message["sender"] == people["customer"].name
        assert message["urgent"] is True
        assert message["avatar"]["initials"]
    assert await nothing_but_presence(strangers)


async def test_a_doctors_reply_reaches_the_customer(people):
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    doctors, _ = await connected(chat(people["thread"]), people["doctor"], greetings=1)

    await send(doctors, "Does she eat?")

    message = (await frame_of(mine, "message"))["message"]
    assert (message["text"], message["sender_is_doctor"]) == ("Does she eat?", True)
    # One frame per message: that its author has read up to it goes without
    # saying (the page works it out), not as a second broadcast.
    assert await nothing_but_presence(mine)


async def test_a_broadcast_is_written_by_the_servers_frame_writer_where_offered(
    people,
):
    written = []

    def frame_writer(text):  # under daphne: healingpaws/frame_writer.py
        frame = json.loads(text)
        if frame["type"] != "message":
            return False  # the greeting: declined, so sent (test below)
        written.append(frame["message"]["text"])
        return written[-1] == "Written directly."  # declines the other

    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    doctors, _ = await connected(
        chat(people["thread"]), people["doctor"], greetings=1, frame_writer=frame_writer
    )
    await send(mine, "Written directly.")
    await send(mine, "Declined, so sent.")

    message = (await frame_of(doctors, "message"))["message"]
    assert message["text"] == "Declined, so sent."
    assert written == ["Written directly.", "Declined, so sent."]
    assert await nothing_but_presence(doctors)


async def test_the_greeting_is_written_by_the_servers_frame_writer_where_offered(
    people,
):
    written = []

    def frame_writer(text):
        written.append(json.loads(text))
        return True

    doctors, _ = await connected(
        chat(people["thread"]), people["doctor"], greetings=0, frame_writer=frame_writer
    )

    # The presence counts, which the page would have heard first.
    assert [(frame["type"], sorted(frame["counts"])) for frame in written] == [
        ("presence", ["customer", "doctor"])
    ]
    assert await doctors.receive_nothing()


async def test_a_message_posted_with_the_plain_form_is_broadcast_too(people):
    doctors, _ = await connected(chat(people["thread"]), people["doctor"], greetings=1)
    browser = Client()
    await sync_to_async(browser.force_login)(people["customer"])

    await sync_to_async(browser.post)(
        people["thread"].get_absolute_url(), {"text": "Sent without JavaScript"}
    )

    message = (await frame_of(doctors, "message"))["message"]
    assert message["text"] == "Sent without JavaScript"


async def test_text_is_sent_as_it_was_written_never_as_markup(people):
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    await send(mine, "<img src=x onerror=alert(1)>")
    message = (await frame_of(mine, "message"))["message"]
    # Sent verbatim; the page puts it in with textContent.
    assert message["text"] == "<img src=x onerror=alert(1)>"


async def test_an_empty_message_is_refused_with_the_reason(people):
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    await send(mine, "   ")
    error = await frame_of(mine, "error")
    assert (error["code"], error["message"]) == (
        "empty",
        "Write a message or attach a photo.",
    )


# --- limits -----------------------------------------------------------------------


async def test_a_frame_over_4_kb_is_refused_and_not_broadcast(people):
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    doctors, _ = await connected(chat(people["thread"]), people["doctor"], greetings=1)
    # 1,400 Chinese characters: under the message limit, over 4 KB on the wire.
    text = "咳" * 1400
    assert len(json.dumps({"type": "message", "text": text}).encode()) > 4096

    await mine.send_to(
        text_data=json.dumps({"type": "message", "text": text}, ensure_ascii=False)
    )

    error = await frame_of(mine, "error")
    assert error["code"] == "too_large"
    assert await nothing_but_presence(doctors)
    assert not await sync_to_async(Message.objects.exists)()
    assert FRAME_MAX_BYTES == 4096


async def test_messages_faster_than_the_rate_limit_are_refused(people, monkeypatch):
    # All in one second, as a fast client's would be (without the patch a
    # burst may straddle two).
    monkeypatch.setattr("consultation.consumers._current_second", lambda: 1_000)
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)

    for n in range(MESSAGES_PER_SECOND + 2):
        await send(mine, f"Message {n}", client_id=f"c{n}")
    frames = [await frame_of(mine, "ack", timeout=3)]
    while len(frames) < MESSAGES_PER_SECOND + 2:
        frame = await mine.receive_json_from(timeout=3)
        if frame["type"] in ("ack", "error"):
            frames.append(frame)

    refused = [frame for frame in frames if frame["type"] == "error"]
    assert refused
    assert {frame["code"] for frame in refused} == {"rate_limited"}
    stored = await sync_to_async(Message.objects.count)()
    assert stored == len(frames) - len(refused) <= MESSAGES_PER_SECOND


@pytest.mark.parametrize("up_to", [10**30, -1, "7", True])
async def test_a_read_mark_that_is_no_message_id_gets_an_error_frame(people, up_to):
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    await mine.send_json_to({"type": "read", "up_to": up_to})
    assert (await frame_of(mine, "error"))["code"] == "bad_frame"
    # The socket stays open for the next, good frame.
    await send(mine, "Still here.")
    assert (await frame_of(mine, "message"))["message"]["text"] == "Still here."


async def test_a_frame_that_is_not_json_gets_an_error_frame(people):
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    await mine.send_to(text_data="not json")
    assert (await frame_of(mine, "error"))["code"] == "bad_frame"
    # The socket stays open for the next, good frame.
    await send(mine, "Sorry, this one.")
    assert (await frame_of(mine, "message"))["message"]["text"] == "Sorry, this one."


# Frames an attacker can send that once crashed the socket (1011): a JSON
# nesting deeper than the parser's recursion limit, a lone surrogate (no
# database can store it as UTF-8), and a NUL (PostgreSQL text cannot hold it).
HOSTILE_FRAMES = {
    "deep nesting": "[" * 2000 + "]" * 2000,
    "deep nesting in a message": '{"type": "message", "text": "x", "more": '
    + "[" * 1900
    + "]" * 1900
    + "}",
    "a lone surrogate, escaped": '{"type": "message", "text": "\\ud800"}',
    "a lone surrogate, raw": '{"type": "message", "text": "\ud800"}',
    "a NUL, escaped": '{"type": "message", "text": "a\\u0000b"}',
    "a NUL, raw": '{"type": "message", "text": "a\x00b"}',
    "a list": "[1, 2]",
    "a string": '"message"',
}


@pytest.mark.parametrize("frame", HOSTILE_FRAMES.values(), ids=HOSTILE_FRAMES)
async def test_a_hostile_frame_gets_an_error_frame_and_the_socket_stays_usable(
    people, frame
):
    """On PostgreSQL too (CI's DATABASE_URL), where a NUL reached the ORM."""
    assert len(frame.encode("utf-8", "surrogatepass")) <= FRAME_MAX_BYTES
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    doctors, _ = await connected(chat(people["thread"]), people["doctor"], greetings=1)

    await mine.send_to(text_data=frame)

    error = await frame_of(mine, "error")
    assert error["code"] in {"bad_frame", "unstorable"}
    assert error["message"]
    assert not await sync_to_async(Message.objects.exists)()
    await send(mine, "Still here.")
    assert (await frame_of(doctors, "message"))["message"]["text"] == "Still here."


async def test_a_frame_that_fails_unforeseen_gets_an_error_frame_and_is_logged(
    people, monkeypatch, caplog
):
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    original = services.message_post

    def fail_once(**kwargs):
        monkeypatch.setattr(services, "message_post", original)
        raise RuntimeError("something nobody foresaw")

    monkeypatch.setattr(services, "message_post", fail_once)

    await send(mine, "First try.")

    error = await frame_of(mine, "error")
    assert (error["code"], error["client_id"]) == ("failed", "c1")
    assert error["message"] == str(FRAME_FAILED_ERROR)
    assert "something nobody foresaw" in caplog.text
    await send(mine, "Second try.")
    assert (await frame_of(mine, "message"))["message"]["text"] == "Second try."


# --- mute, close, and the session ---------------------------------------------------


async def test_a_muted_customer_is_refused_with_the_reason_and_doctors_still_write(
    people,
):
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    doctors, _ = await connected(chat(people["thread"]), people["doctor"], greetings=1)
    await sync_to_async(thread_mute)(
        thread=people["thread"],
        by=people["doctor"],
        until=timezone.now() + timezone.timedelta(hours=1),
        reason="Please call us instead.",
    )
    notice = (await frame_of(mine, "message"))["message"]
    assert notice["event"] == SystemEvent.MUTED
    assert "Please call us instead." in notice["text"]

    await send(mine, "But why?")
    error = await frame_of(mine, "error")
    assert error["code"] == "muted"
    assert "Please call us instead." in error["message"]

    await send(doctors, "Call 555-0100.")
    assert (await frame_of(mine, "message"))["message"]["text"] == "Call 555-0100."


async def test_closing_a_thread_is_broadcast_in_each_readers_language(people):
    await sync_to_async(_prefer_chinese)(people["doctor"])
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    doctors, _ = await connected(chat(people["thread"]), people["doctor"], greetings=1)

    await sync_to_async(thread_close)(thread=people["thread"], by=people["doctor"])

    english = (await frame_of(mine, "message"))["message"]
    chinese = (await frame_of(doctors, "message"))["message"]
    assert english["event"] == chinese["event"] == SystemEvent.CLOSED
    assert english["text"].startswith("A doctor has closed this consultation.")
    assert "关闭" in chinese["text"]
    await send(mine, "Hello?")
    assert (await frame_of(mine, "error"))["code"] == "closed"


def _prefer_chinese(user):
    user.preferred_language = "zh-hans"
    user.save(update_fields=["preferred_language"])


async def test_logging_out_closes_the_chat_socket(people):
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    browser = Client()
    await sync_to_async(browser.force_login)(people["customer"])

    await sync_to_async(browser.post)(reverse("account_logout"))

    assert await closed_with(mine) == CLOSE_SESSION_ENDED


async def test_deactivation_closes_the_chat_socket(people):
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    await sync_to_async(user_deactivate)(user=people["customer"])
    assert await closed_with(mine) == CLOSE_SESSION_ENDED


async def test_a_session_ended_without_a_push_is_caught_at_the_next_frame(people):
    """If the session.end push was lost (Redis blip), the frame's own check
    still refuses: nothing is stored and the socket closes."""
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    await sync_to_async(Session.objects.all().delete)()

    await send(mine, "Still here?")

    assert await closed_with(mine) == CLOSE_SESSION_ENDED
    assert not await sync_to_async(Message.objects.exists)()


async def test_a_doctor_who_loses_the_role_is_refused_at_the_next_frame(
    people, monkeypatch
):
    # The session.end push of the change is lost (a Redis blip).
    monkeypatch.setattr("accounts.notifications._end_sessions", lambda user_id: None)
    doctors, _ = await connected(chat(people["thread"]), people["doctor"], greetings=1)
    await sync_to_async(people["doctor"].groups.clear)()

    await send(doctors, "One more thing")

    assert await closed_with(doctors) == CLOSE_NOT_MEMBER
    assert not await sync_to_async(Message.objects.exists)()


async def test_removing_the_doctor_role_closes_their_open_chat_socket(people):
    doctors, _ = await connected(chat(people["thread"]), people["doctor"], greetings=1)

    await sync_to_async(user_demote_from_doctor)(user=people["doctor"])

    assert await closed_with(doctors) == CLOSE_SESSION_ENDED


async def test_taking_a_doctor_out_of_the_group_in_the_admin_closes_the_socket(people):
    """The admin's user form sets the groups (user.groups.set): same effect."""
    doctors, _ = await connected(chat(people["thread"]), people["doctor"], greetings=1)

    await sync_to_async(people["doctor"].groups.set)([])

    assert await closed_with(doctors) == CLOSE_SESSION_ENDED


async def test_a_doctor_who_lost_the_role_hears_no_more_messages(people, monkeypatch):
    """If the session.end push was lost (a Redis blip), the socket checks
    before it passes a message on, and closes instead."""
    monkeypatch.setattr("accounts.notifications._end_sessions", lambda user_id: None)
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    doctors, _ = await connected(chat(people["thread"]), people["doctor"], greetings=1)
    await send(mine, "Before.")
    assert (await frame_of(doctors, "message"))["message"]["text"] == "Before."

    await sync_to_async(user_demote_from_doctor)(user=people["doctor"])
    # The socket trusts its last check for a few seconds (ACCESS_RECHECK_SECONDS).
    monkeypatch.setattr("core.consumers.ACCESS_RECHECK_SECONDS", 0)
    await send(mine, "After.")
    await frame_of(mine, "message")

    assert await next_output_but_presence(doctors) == {
        "type": "websocket.close",
        "code": CLOSE_NOT_MEMBER,
    }


async def next_output_but_presence(communicator):
    """The socket's next output, text frames decoded, past presence counts."""
    while True:
        output = await communicator.receive_output(timeout=2)
        if output["type"] == "websocket.send":
            frame = json.loads(output["text"])
            if frame["type"] == "presence":
                continue
            return frame
        return output


async def test_a_socket_trusts_its_check_for_a_few_seconds_only(people, monkeypatch):
    monkeypatch.setattr("accounts.notifications._end_sessions", lambda user_id: None)
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    doctors, _ = await connected(chat(people["thread"]), people["doctor"], greetings=1)
    await sync_to_async(user_demote_from_doctor)(user=people["doctor"])
    clock = time.monotonic() + ACCESS_RECHECK_SECONDS + 0.1
    monkeypatch.setattr("core.consumers.time.monotonic", lambda: clock)

    await send(mine, "Later.")

    assert await next_output_but_presence(doctors) == {
        "type": "websocket.close",
        "code": CLOSE_NOT_MEMBER,
    }


@pytest.fixture
def checks_ahead_at_every_push(monkeypatch):
    """Sockets connected from here check ahead at every push they hear, at
    once (not at a drawn point, nor after waiting for company)."""
    monkeypatch.setattr("core.consumers.ACCESS_REFRESH_SHARES", (0, 0))
    monkeypatch.setattr("core.consumers.CHECK_AHEAD_GATHERING", Gathering())


async def test_a_push_past_the_sockets_refresh_point_waits_for_no_check(
    people, checks_ahead_at_every_push, monkeypatch
):
    """Within ACCESS_RECHECK_SECONDS the check ahead runs beside the push."""
    asked, answer = [], asyncio.Event()

    async def slow_check(consumers):
        asked.extend(consumer.user.pk for consumer in consumers)
        await answer.wait()
        return [(consumer.user, None) for consumer in consumers]

    monkeypatch.setattr("core.consumers._checked_ahead_trip", slow_check)
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    doctors, _ = await connected(chat(people["thread"]), people["doctor"], greetings=1)

    await send(mine, "Still there?")

    assert (await frame_of(doctors, "message"))["message"]["text"] == "Still there?"
    async with asyncio.timeout(2):  # asked from the push, on a task of its own
        while people["doctor"].pk not in asked:
            await asyncio.sleep(0.01)
    answer.set()


async def test_a_check_ahead_that_fails_is_not_asked_again_at_every_push(
    people, checks_ahead_at_every_push, monkeypatch
):
    """The database away: the pushes still go (the last check is fresh), and
    the socket does not ask ahead again at each of them."""
    asked = []

    async def failing_check(consumers):
        asked.extend(consumer.user.pk for consumer in consumers)
        raise OperationalError("the database is away")

    monkeypatch.setattr("core.consumers._checked_ahead_trip", failing_check)
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    doctors, _ = await connected(chat(people["thread"]), people["doctor"], greetings=1)

    for text in ("One.", "Two.", "Three."):
        await send(mine, text)
        assert (await frame_of(doctors, "message"))["message"]["text"] == text
        await asyncio.sleep(0.05)  # the check ahead of this push has failed

    assert asked.count(people["doctor"].pk) == 1


async def test_a_socket_closed_during_its_check_ahead_is_freed_at_once(
    people, checks_ahead_at_every_push, monkeypatch
):
    """The cancelled check keeps the frame that refers to the consumer: the
    consumer holding it as well would make a cycle, freed only by a full
    collection (healingpaws/heap.py)."""

    answer = asyncio.Event()

    async def slow_check(consumers):
        await answer.wait()
        return [(consumer.user, None) for consumer in consumers]

    monkeypatch.setattr("core.consumers._checked_ahead_trip", slow_check)
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    earlier = live_consumers(ConsultationConsumer)
    doctors, _ = await connected(chat(people["thread"]), people["doctor"], greetings=1)
    [consumer] = [c for c in live_consumers(ConsultationConsumer) if c not in earlier]
    await send(mine, "Still there?")
    await frame_of(doctors, "message")
    async with asyncio.timeout(2):
        while consumer.access_refreshing is None:
            await asyncio.sleep(0.01)
    reference = weakref.ref(consumer)
    del consumer, earlier
    with collector_off():
        await doctors.disconnect()
        answer.set()  # the trip ends, its answer for the closed socket unread
        assert await freed(reference)


async def test_a_check_ahead_that_finds_the_role_gone_closes_the_socket(
    people, checks_ahead_at_every_push, monkeypatch
):
    """The session.end push lost (a Redis blip): the first push after the
    demotion still goes (the last check is fresh), and its check ahead
    closes the socket."""
    monkeypatch.setattr("accounts.notifications._end_sessions", lambda user_id: None)
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    doctors, _ = await connected(chat(people["thread"]), people["doctor"], greetings=1)
    await sync_to_async(user_demote_from_doctor)(user=people["doctor"])

    await send(mine, "After.")

    assert (await frame_of(doctors, "message"))["message"]["text"] == "After."
    assert await next_output_but_presence(doctors) == {
        "type": "websocket.close",
        "code": CLOSE_NOT_MEMBER,
    }


# --- read receipts and notices ----------------------------------------------------


async def test_reading_is_shown_to_the_other_side(people):
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    doctors, _ = await connected(chat(people["thread"]), people["doctor"], greetings=1)
    await send(mine, "Are you there?")
    message_id = (await frame_of(doctors, "message"))["message"]["id"]
    await frame_of(mine, "message")

    await doctors.send_json_to({"type": "read", "up_to": message_id})

    receipt = await frame_of(mine, "read")
    assert receipt == {"type": "read", "hospital": True, "up_to": message_id}


@pytest.mark.calendar  # when the hospital opens next
async def test_a_customer_writing_with_no_doctor_online_is_told_when_we_open(
    people, no_doctor_online
):
    mine, greetings = await connected(
        chat(people["thread"]), people["customer"], greetings=1
    )
    assert greetings == [{"type": "presence", "counts": {"doctor": 0}}]

    await send(mine, "Anyone?")

    first = (await frame_of(mine, "message"))["message"]
    notice = (await frame_of(mine, "message"))["message"]
    assert first["text"] == "Anyone?"
    assert notice["event"] == SystemEvent.NO_DOCTOR
    assert notice["text"].startswith("No doctor is online right now.")
    # Told once: the next message gets no second notice.
    await send(mine, "Hello?")
    assert (await frame_of(mine, "message"))["message"]["text"] == "Hello?"
    assert await nothing_but_background(mine)


async def test_doctors_coming_online_is_pushed_to_customers(people, no_doctor_online):
    mine, _ = await connected(chat(people["thread"]), people["customer"], greetings=1)
    doctors, _ = await connected(chat(people["thread"]), people["doctor"], greetings=1)

    assert await mine.receive_json_from(timeout=2) == {
        "type": "presence",
        "counts": {"doctor": 1},
    }
    await doctors.disconnect()
    assert await mine.receive_json_from(timeout=2) == {
        "type": "presence",
        "counts": {"doctor": 0},
    }
    assert presence.online_count(presence.DOCTOR) == 0
