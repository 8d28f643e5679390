"""Background work: tasks on Django's Tasks API (DEP 14; on Django 5.2 the
django-tasks backport, `django.tasks` from Django 6), stored as rows by
django-tasks-db.

A task is enqueued inside the transaction of the change that causes it: the
row commits with the change, so a crash after the commit loses nothing and a
rollback sends nothing. Workers (`manage.py run_worker`, as many as wanted, on
any number of machines) claim rows with SELECT ... FOR UPDATE SKIP LOCKED, so
no two run the same row.

What talks to the outside world is a retrying_task: an attempt that raises is
enqueued again with an exponential backoff, and only the last attempt's
failure is kept as failed (the operators' "failed deliveries" in the admin).
A worker killed in the middle of a task leaves its row "running"; rows running
for longer than TASKS_RUNNING_LEASE_SECONDS are handed back to the queue
(reclaim_stalled, scheduled every minute), so the task runs again: at least
once, never lost.

Live pushes to open pages have a backend of their own, "live" (see
core/realtime.py): with Redis, the same table, run by a lane of the worker
that looks often, so a push never waits behind a slow e-mail; with the
in-memory channel layer (a single process, `bin/dev` without Redis), only the
site's own process can reach its pages, and AfterCommitBackend runs them
there, right after the commit.
"""

import datetime
import functools
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, When
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import Task, TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult, get_date_max

logger = logging.getLogger("healingpaws.tasks")

# Attempts of a retrying task before it gives up, and its waits between them:
# TASKS_RETRY_FIRST_WAIT_SECONDS (30 s), then twice as long each time, at most
# an hour (30 s, 1, 2, 4, 8, 16, 32, 60 minutes: the ninth and last attempt
# comes about two hours after the first, long enough for a mail server's
# maintenance window).
MAX_ATTEMPTS = 9
RETRY_MAX_WAIT = datetime.timedelta(hours=1)


class RetryScheduled(Exception):
    """An attempt failed and the next one is enqueued: its row is history,
    not a failed delivery."""


def retry_wait(attempt: int) -> datetime.timedelta:
    """How long to wait after failed attempt number `attempt` (1 is the first)."""
    first = datetime.timedelta(seconds=settings.TASKS_RETRY_FIRST_WAIT_SECONDS)
    return min(first * 2 ** (attempt - 1), RETRY_MAX_WAIT)


def retrying_task(*, max_attempts: int = MAX_ATTEMPTS, **task_options):
    """Like django_tasks.task, for work that may fail for a while (a mail
    server away): a failed attempt is enqueued again after retry_wait(), up to
    max_attempts; the last failure stays failed, with its error.

    The decorated function must be importable by its module and name (the
    worker finds it by its path) and take JSON-serialisable arguments."""

    def decorate(func):
        @functools.wraps(func)
        def attempt(*args, attempt_number: int = 1, **kwargs):
            try:
                return func(*args, **kwargs)
            except Exception as error:
                if attempt_number >= max_attempts:
                    logger.error(
                        "%s gave up after %s attempts: %r",
                        the_task.name,
                        attempt_number,
                        error,
                    )
                    raise
                wait = retry_wait(attempt_number)
                the_task.using(run_after=timezone.now() + wait).enqueue(
                    *args, attempt_number=attempt_number + 1, **kwargs
                )
                logger.warning(
                    "%s attempt %s failed (%r), again in %s",
                    the_task.name,
                    attempt_number,
                    error,
                    wait,
                )
                raise RetryScheduled(
                    f"attempt {attempt_number} failed, again in {wait}"
                ) from error

        the_task = task(**task_options)(attempt)
        return the_task

    return decorate


class AfterCommitBackend(ImmediateBackend):
    """Runs a task in this process once the transaction that enqueued it
    commits (right away outside a transaction), and never for a rolled back
    one: the ordering a queued task has, without a queue."""

    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        result = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        transaction.on_commit(functools.partial(self._execute_task, result))
        return result


# --- the queue, read by operators, /healthz and the scheduler ---------------

_RETRY_PATH = f"{RetryScheduled.__module__}.{RetryScheduled.__qualname__}"


def failed_tasks():
    """Tasks that gave up (not the attempts that were retried)."""
    return DBTaskResult.objects.failed().exclude(exception_class_path=_RETRY_PATH)


def failed_task_retry(*, row: DBTaskResult) -> None:
    """Enqueue the task of a failed row again, with the same arguments and a
    fresh set of attempts, and forget the failed row (one transaction).
    Raises ImportError when the task no longer exists in the code."""
    task = import_string(row.task_path)
    if not isinstance(task, Task):
        raise ImportError(f"{row.task_path} is not a task")
    kwargs = dict(row.args_kwargs.get("kwargs", {}))
    kwargs.pop("attempt_number", None)
    with transaction.atomic():
        task.using(
            priority=row.priority, queue_name=row.queue_name, backend=row.backend_name
        ).enqueue(*row.args_kwargs.get("args", []), **kwargs)
        row.delete()


@dataclass(frozen=True)
class QueueHealth:
    oldest_ready_seconds: float  # 0 when nothing waits
    failed: int

    @property
    def lagging(self) -> bool:
        return self.oldest_ready_seconds > settings.TASKS_MAX_LAG_SECONDS


def queue_health() -> QueueHealth:
    """How long the oldest task that could run now has waited, and how many
    gave up. A task waits from its enqueueing or, when it was put off (a
    retry's backoff), from the moment it became due."""
    now = timezone.now()
    waiting_since = (
        DBTaskResult.objects.ready()
        .annotate(
            # django-tasks-db stores "no run_after" as the largest date.
            due=Case(
                When(run_after=get_date_max(), then=F("enqueued_at")),
                default=F("run_after"),
            )
        )
        .order_by("due")
        .values_list("due", flat=True)
        .first()
    )
    oldest = (now - waiting_since).total_seconds() if waiting_since else 0.0
    return QueueHealth(
        oldest_ready_seconds=max(oldest, 0.0), failed=failed_tasks().count()
    )


def reclaim_stalled(*, now: datetime.datetime | None = None) -> int:
    """Hand back to the queue the tasks whose worker died running them (a row
    "running" for longer than any task takes). Returns how many."""
    now = now or timezone.now()
    lease = datetime.timedelta(seconds=settings.TASKS_RUNNING_LEASE_SECONDS)
    reclaimed = (
        DBTaskResult.objects.running()
        .filter(Q(started_at__lt=now - lease) | Q(started_at__isnull=True))
        .update(status=TaskResultStatus.READY, started_at=None)
    )
    if reclaimed:
        logger.warning("%s stalled task(s) handed back to the queue", reclaimed)
    return reclaimed


def run_ready_tasks(*, limit: int = 1000) -> int:
    """Run, in this process and thread, every task that is due (tests, and
    `manage.py run_worker --batch` does the same through the worker). Tasks
    that a task enqueues and that are due run too. Returns how many ran."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="in-process",
        excluded_queue_names=[],
    )
    ran = 0
    while ran < limit:
        # Not Worker.run(): it closes "old" connections, which inside a test's
        # transaction would close the test's own.
        with transaction.atomic():
            row = DBTaskResult.objects.ready().get_locked()
            if row is None:
                return ran
            row.claim(worker.worker_id)
        worker.run_task(row)
        ran += 1
    return ran
