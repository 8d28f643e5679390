"""The queue's own upkeep, scheduled by CoreConfig.ready()."""

import datetime

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from . import background
from .models import ScheduledRun


@task()
def reclaim_stalled_tasks() -> int:
    """Tasks whose worker died running them go back to the queue."""
    return background.reclaim_stalled()


@task()
def prune_task_history() -> int:
    """Forget finished tasks and schedule rows older than TASKS_KEEP_DAYS;
    tasks that gave up stay until an operator retries or discards them."""
    cutoff = timezone.now() - datetime.timedelta(days=settings.TASKS_KEEP_DAYS)
    finished = DBTaskResult.objects.filter(finished_at__lt=cutoff).exclude(
        pk__in=background.failed_tasks().values("pk")
    )
    deleted, _by_model = finished.exclude(status=TaskResultStatus.READY).delete()
    ScheduledRun.objects.filter(period_start__lt=cutoff).delete()
    return deleted
