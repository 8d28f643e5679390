"""The background queue: rows in the change's transaction, retries with
backoff, give-ups kept for operators, stalled tasks reclaimed, the schedule
once per period."""

import datetime

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core import background, schedule
from core.models import ScheduledRun
from core.tests.tasks import CALLS_KEY, FAILURES_KEY, flaky, note_live


@pytest.fixture
def calls():
    cache.delete_many([CALLS_KEY, FAILURES_KEY])
    return lambda: cache.get(CALLS_KEY, [])


def _fail_next(times):
    cache.set(FAILURES_KEY, times)


@pytest.mark.django_db
def test_a_task_is_a_row_of_the_transaction_that_enqueued_it(calls):
    with pytest.raises(RuntimeError, match="rolled back"):
        _enqueue_then_roll_back("lost")
    flaky.enqueue("kept")

    assert list(DBTaskResult.objects.values_list("args_kwargs", flat=True)) == [
        {"args": ["kept"], "kwargs": {}}
    ]
    assert background.run_ready_tasks() == 1
    assert calls() == ["kept"]


def _enqueue_then_roll_back(label, *, the_task=flaky):
    with transaction.atomic():
        the_task.enqueue(label)
        raise RuntimeError("rolled back")


@pytest.mark.django_db
def test_a_failed_attempt_is_enqueued_again_after_a_growing_wait(calls):
    _fail_next(2)
    flaky.enqueue("mail")

    assert background.run_ready_tasks() == 1  # the retry is not due yet
    retry = DBTaskResult.objects.filter(status=TaskResultStatus.READY).get()
    assert retry.args_kwargs == {"args": ["mail"], "kwargs": {"attempt_number": 2}}
    wait = retry.run_after - timezone.now()
    assert datetime.timedelta(seconds=25) < wait <= datetime.timedelta(seconds=30)
    assert background.failed_tasks().count() == 0  # a retried attempt is history
    assert [background.retry_wait(n).total_seconds() for n in (1, 2, 3, 9, 20)] == [
        30,
        60,
        120,
        3600,
        3600,
    ]


@pytest.mark.django_db
def test_a_task_that_fails_every_attempt_is_kept_as_failed_with_its_error(calls):
    _fail_next(5)
    flaky.enqueue("mail")

    for _attempt in range(3):
        DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(
            run_after=timezone.now()
        )
        background.run_ready_tasks()

    assert calls() == ["mail", "mail", "mail"]
    failed = background.failed_tasks().get()
    assert failed.exception_class_path == "builtins.ConnectionRefusedError"
    assert "the mail server is away" in failed.traceback
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()


@pytest.mark.django_db
def test_a_task_whose_worker_died_goes_back_to_the_queue_after_its_lease(
    calls, settings
):
    settings.TASKS_RUNNING_LEASE_SECONDS = 600
    flaky.enqueue("mail")
    row = DBTaskResult.objects.get()
    row.claim("killed-worker")
    now = timezone.now()

    assert background.reclaim_stalled(now=now + datetime.timedelta(seconds=599)) == 0
    assert background.reclaim_stalled(now=now + datetime.timedelta(seconds=601)) == 1
    assert background.run_ready_tasks() == 1
    assert calls() == ["mail"]


@pytest.mark.django_db
def test_queue_health_tells_the_oldest_waiting_task_and_the_failed_ones(
    settings, calls
):
    settings.TASKS_MAX_LAG_SECONDS = 300
    assert background.queue_health() == background.QueueHealth(0.0, 0)

    flaky.enqueue("mail")
    DBTaskResult.objects.update(
        enqueued_at=timezone.now() - datetime.timedelta(seconds=301)
    )
    health = background.queue_health()

    assert 301 <= health.oldest_ready_seconds < 310
    assert health.lagging


@pytest.mark.django_db
def test_the_schedule_enqueues_each_job_once_per_period(monkeypatch):
    monkeypatch.setattr(schedule, "_jobs", {})
    schedule.every(datetime.timedelta(hours=1), flaky_job)
    at = datetime.datetime(2026, 11, 27, 10, 5, tzinfo=datetime.UTC)

    first = schedule.schedule_tick(now=at)
    again = schedule.schedule_tick(now=at + datetime.timedelta(minutes=50))
    next_hour = schedule.schedule_tick(now=at + datetime.timedelta(minutes=55))

    assert first == next_hour == ["core.tests.test_background.flaky_job"]
    assert again == []
    assert list(ScheduledRun.objects.values_list("period_start", flat=True)) == [
        datetime.datetime(2026, 11, 27, 10, 0, tzinfo=datetime.UTC),
        datetime.datetime(2026, 11, 27, 11, 0, tzinfo=datetime.UTC),
    ]
    assert DBTaskResult.objects.count() == 2


@task()
def flaky_job():
    return None


@pytest.mark.django_db(transaction=True)
def test_without_a_queue_a_live_task_runs_after_the_commit_and_never_if_rolled_back(
    calls,
):
    # conftest.py gives the "live" backend AfterCommitBackend, as bin/dev has
    # it without Redis.
    with transaction.atomic():
        note_live.enqueue("committed")
        assert calls() == []  # not before the change can be read
    with pytest.raises(RuntimeError, match="rolled back"):
        _enqueue_then_roll_back("rolled back", the_task=note_live)
    note_live.enqueue("outside a transaction")

    assert calls() == ["committed", "outside a transaction"]
    assert not DBTaskResult.objects.exists()
