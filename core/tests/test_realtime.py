"""Pushes after the commit: sent once the change stands, never for a rolled
back one, one merged push per transaction where asked."""

import logging

import pytest
from django.db import transaction

from core import realtime


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
