"""Pushes after the commit: sent once the change stands, never for a rolled
back one, one merged push per transaction where asked."""

import asyncio
import logging
import threading

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from core import realtime
from core.trips import (
    SOCKET_DATABASE_THREADS,
    _loop_sends,
    _LoopSends,
    socket_database,
)


class RecordingLayer:
    def __init__(self):
        self.sent = []

    async def group_send(self, group, message):
        self.sent.append((group, message))


@pytest.fixture
def layer(monkeypatch):
    recording = RecordingLayer()
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: recording)
    return recording


def _merged(**values):
    realtime.push_merged_after_commit(
        "dashboard", "dashboard.changed", label=lambda event: "test push", **values
    )


@pytest.mark.django_db
def test_a_push_is_sent_after_the_commit(layer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        realtime.push_after_commit("g", {"type": "x.y"}, label="test push")
        assert layer.sent == []

    assert layer.sent == [("g", {"type": "x.y"})]


@pytest.mark.django_db
def test_changes_of_one_transaction_make_one_merged_push(
    layer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _merged(reasons=["state"], days=["2026-01-02"])
        _merged(reasons=["triage", "state"], days=[])
        _merged(reasons=["reorder"], days=["2026-01-01"])

    assert layer.sent == [
        (
            "dashboard",
            {
                "type": "dashboard.changed",
                "reasons": ["reorder", "state", "triage"],
                "days": ["2026-01-01", "2026-01-02"],
            },
        )
    ]


@pytest.mark.django_db
def test_a_rolled_back_savepoint_drops_its_part_and_the_next_change_still_pushes(
    layer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        try:
            with transaction.atomic():
                _merged(reasons=["rolled back"])
                raise RuntimeError("the savepoint is rolled back")
        except RuntimeError:
            pass
        _merged(reasons=["stands"])

    assert layer.sent == [
        ("dashboard", {"type": "dashboard.changed", "reasons": ["stands"]})
    ]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_pushes_nothing_and_the_next_one_pushes(layer):
    with pytest.raises(RuntimeError, match="rolled back"):
        _change_then_fail()

    _merged(reasons=["next"])  # outside a transaction: at once

    assert layer.sent == [
        ("dashboard", {"type": "dashboard.changed", "reasons": ["next"]})
    ]


def _change_then_fail():
    with transaction.atomic():
        _merged(reasons=["lost"])
        realtime.push_after_commit("g", {"type": "x.y"}, label="test push")
        raise RuntimeError("the transaction is rolled back")


@pytest.mark.django_db
def test_a_failing_push_is_logged_with_its_label(monkeypatch, caplog):
    class BrokenLayer:
        async def group_send(self, group, message):
            raise ConnectionError("Redis is away")

    monkeypatch.setattr(realtime, "get_channel_layer", BrokenLayer)
    log = logging.getLogger("healingpaws.test")

    with caplog.at_level(logging.WARNING, logger="healingpaws.test"):
        realtime.push("g", {"type": "x.y"}, label="the test's push", log=log)

    assert "the test's push not sent" in caplog.text


@pytest.mark.django_db
def test_once_after_commit_runs_once_per_key_and_transaction(
    django_capture_on_commit_callbacks,
):
    calls = []
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        realtime.once_after_commit(("end", 1), lambda: calls.append(1))
        realtime.once_after_commit(("end", 1), lambda: calls.append("again"))
        realtime.once_after_commit(("end", 2), lambda: calls.append(2))
        assert calls == []

    assert calls == [1, 2]


@pytest.mark.django_db
def test_once_after_commit_after_a_rolled_back_savepoint_still_runs(
    django_capture_on_commit_callbacks,
):
    calls = []
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        try:
            with transaction.atomic():
                realtime.once_after_commit(("end", 1), lambda: calls.append("lost"))
                raise RuntimeError("the savepoint is rolled back")
        except RuntimeError:
            pass
        realtime.once_after_commit(("end", 1), lambda: calls.append("stands"))

    assert calls == ["stands"]


class HeldLayer(RecordingLayer):
    """Sends only once released: an event loop busy elsewhere, or a slow Redis."""

    def __init__(self):
        super().__init__()
        self.released = asyncio.Event()

    async def group_send(self, group, message):
        await self.released.wait()
        await super().group_send(group, message)


@pytest.fixture
def held_layer(monkeypatch):
    held = HeldLayer()
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: held)
    yield held
    held.released.set()  # never leave the sockets' threads waiting


@socket_database
def _pushing(number):
    realtime.push("g", {"type": "x.y", "number": number}, label="test push")
    return number


# A socket_database call closes its thread's old connections before and
# after, which checks a connection an earlier test left on the thread (on
# SQLite's in-memory test database every one: its close() keeps it): these
# tests need the database too.


@pytest.mark.asyncio
@pytest.mark.django_db
async def test_a_socket_call_that_pushes_frees_its_thread_while_the_loop_sends(
    held_layer,
):
    # More pushing calls than the sockets have threads: a thread that waited
    # for its push would leave none for the next call (a chat post waiting
    # for the loop kept the next one waiting, issue 14).
    pushing = [
        asyncio.ensure_future(_pushing(number))
        for number in range(SOCKET_DATABASE_THREADS + 1)
    ]

    assert await asyncio.wait_for(socket_database(lambda: "free")(), 5) == "free"
    assert not any(call.done() for call in pushing)  # each waits for its push

    held_layer.released.set()
    assert await asyncio.gather(*pushing) == list(range(SOCKET_DATABASE_THREADS + 1))
    assert sorted(event["number"] for _, event in held_layer.sent) == list(
        range(SOCKET_DATABASE_THREADS + 1)
    )


@pytest.mark.asyncio
@pytest.mark.django_db
async def test_a_push_of_a_cancelled_socket_call_is_sent_all_the_same(layer):
    go_on = threading.Event()

    @socket_database
    def post_then_push():
        go_on.wait(5)  # the message stored; its caller's socket closes meanwhile
        realtime.push("g", {"type": "x.y"}, label="test push")

    call = asyncio.ensure_future(post_then_push())
    await asyncio.sleep(0.05)
    call.cancel()
    go_on.set()

    async with asyncio.timeout(5):
        while not layer.sent:
            await asyncio.sleep(0.01)
    assert layer.sent == [("g", {"type": "x.y"})]


@pytest.mark.asyncio
@pytest.mark.django_db
async def test_a_failing_push_of_a_socket_call_is_logged_with_its_label(
    monkeypatch, caplog
):
    class BrokenLayer:
        async def group_send(self, group, message):
            raise ConnectionError("Redis is away")

    monkeypatch.setattr(realtime, "get_channel_layer", BrokenLayer)

    with caplog.at_level(logging.WARNING, logger="healingpaws.realtime"):
        assert await _pushing(7) == 7  # the call itself stands

    assert "test push not sent" in caplog.text


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_merged_push_of_a_socket_call_goes_out_with_no_task_row(
    layer, settings
):
    # As in production with Redis, where it is a row for the worker's lane.
    settings.TASKS = {
        **settings.TASKS,
        "live": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    }

    @socket_database
    def change():
        with transaction.atomic():
            _merged(reasons=["state"])
            _merged(reasons=["consultation"])

    await change()

    event = {"type": "dashboard.changed", "reasons": ["consultation", "state"]}
    assert layer.sent == [("dashboard", event)]
    assert await database_sync_to_async(DBTaskResult.objects.count)() == 0


@pytest.mark.django_db(transaction=True)
def test_a_merged_push_elsewhere_is_a_task_row_for_the_worker(layer, settings):
    settings.TASKS = {
        **settings.TASKS,
        "live": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    }

    with transaction.atomic():
        _merged(reasons=["state"])

    assert layer.sent == []  # the worker's to send
    assert DBTaskResult.objects.get().task_path == "core.realtime.push_later"


@pytest.mark.asyncio
async def test_a_push_after_the_loop_closed_is_logged_not_raised(layer, caplog):
    # The server stopping while a post's thread still runs: the post stands.
    stopped = asyncio.new_event_loop()
    stopped.close()
    sends = _LoopSends(stopped)
    token = _loop_sends.set(sends)
    try:
        with caplog.at_level(logging.WARNING, logger="healingpaws.realtime"):
            realtime.push("g", {"type": "x.y"}, label="test push")
    finally:
        _loop_sends.reset(token)

    assert "test push not sent" in caplog.text
    assert layer.sent == []
