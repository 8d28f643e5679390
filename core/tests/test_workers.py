"""Real `manage.py run_worker` processes on the test database: two workers
never run a task twice, and a task whose worker was killed runs again.

PostgreSQL only: the workers claim rows with SELECT ... FOR UPDATE SKIP
LOCKED, which SQLite lacks (it serialises writers instead), and a second
process cannot share SQLite's in-memory test database. CI runs PostgreSQL.
"""

import signal
import time
from contextlib import ExitStack

import pytest
from django.conf import settings
from django.db import connection, transaction
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core.models import ScheduledRun
from core.tests.worker_tasks import RUNS_TABLE, count_run, slow_the_first_time
from healingpaws.tests.servers import wait_for, worker, worker_started

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs PostgreSQL (SKIP LOCKED, a test database other processes open)",
)

LEASE_SECONDS = 2


@pytest.fixture
def runs(transactional_db):
    """The table the tasks write their runs to; rows (number, phase, pid)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {RUNS_TABLE} (number integer, phase text, pid integer)"
        )

    def read():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT number, phase, pid FROM {RUNS_TABLE}")  # noqa: S608
            return cursor.fetchall()

    yield read
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {RUNS_TABLE}")


def test_two_workers_drain_200_tasks_and_run_none_twice(runs, tmp_path):
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    with ExitStack() as stack:
        workers = [stack.enter_context(worker(log, "--no-schedule")) for log in logs]
        wait_for(lambda: all(map(worker_started, logs)), "both workers started", *logs)
        with transaction.atomic():  # all at once, for both to share
            for number in range(200):
                count_run.enqueue(number)

        wait_for(
            lambda: DBTaskResult.objects.successful().count() == 200,
            "200 tasks done",
            *logs,
        )
        pids = {process.pid for process in workers}

    done = runs()
    assert sorted(number for number, _phase, _pid in done) == list(range(200))
    assert {pid for _number, _phase, pid in done} == pids  # both took part
    assert not DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL)


def test_a_task_whose_worker_was_killed_runs_on_another_after_the_lease(runs, tmp_path):
    first_log, second_log = tmp_path / "killed.log", tmp_path / "next.log"
    slow_the_first_time.enqueue(1, 120)

    with worker(first_log, TASKS_RUNNING_LEASE_SECONDS=str(LEASE_SECONDS)) as killed:
        wait_for(lambda: runs(), "the task started", first_log)
        killed.send_signal(signal.SIGKILL)
        killed.wait()
    row = DBTaskResult.objects.get(task_path__endswith="slow_the_first_time")
    assert row.status == TaskResultStatus.RUNNING  # as the killed worker left it
    # The lease runs out; the reclaim job of this minute has already run (the
    # killed worker ticked first): start a new period rather than wait for it.
    time.sleep(LEASE_SECONDS + 0.5)
    ScheduledRun.objects.filter(job="core.tasks.reclaim_stalled_tasks").delete()

    with worker(second_log, TASKS_RUNNING_LEASE_SECONDS=str(LEASE_SECONDS)) as second:
        wait_for(
            lambda: "end" in {phase for _number, phase, _pid in runs()},
            "the task ran again",
            first_log,
            second_log,
        )

    assert sorted(runs()) == sorted(
        [(1, "start", killed.pid), (1, "start", second.pid), (1, "end", second.pid)]
    )
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert len(row.worker_ids) == 2
