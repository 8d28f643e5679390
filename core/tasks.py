"""The queue's own upkeep, and the shared parts' (presence, upload files),
scheduled by CoreConfig.ready()."""

import datetime
import logging
import time
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from . import background, presence
from .integration_models import DeliveryStatus, WebhookDelivery
from .models import ScheduledRun

logger = logging.getLogger("healingpaws.tasks")

# An upload spooled to FILE_UPLOAD_TEMP_DIR lives for one request, and the
# file is written to all along: one untouched for this long lost its process.
ABANDONED_UPLOAD_SECONDS = 6 * 60 * 60


@task()
def reclaim_stalled_tasks() -> int:
    """Tasks whose worker died running them go back to the queue."""
    return background.reclaim_stalled()


# Sent live pushes tell nobody anything after a day (a row each, many a day).
LIVE_PUSHES_KEEP = datetime.timedelta(days=1)


@task()
def prune_task_history() -> int:
    """Forget finished tasks and schedule rows older than TASKS_KEEP_DAYS, and
    live pushes older than a day; tasks that gave up stay until an operator
    retries or discards them."""
    now = timezone.now()
    cutoff = now - datetime.timedelta(days=settings.TASKS_KEEP_DAYS)
    old = Q(finished_at__lt=cutoff) | Q(
        backend_name="live", finished_at__lt=now - LIVE_PUSHES_KEEP
    )
    finished = DBTaskResult.objects.filter(old).exclude(
        pk__in=background.failed_tasks().values("pk")
    )
    deleted, _by_model = finished.exclude(status=TaskResultStatus.READY).delete()
    ScheduledRun.objects.filter(period_start__lt=cutoff).delete()
    # The webhook delivery log (and its attempts) of finished deliveries too.
    WebhookDelivery.objects.filter(
        created_at__lt=cutoff,
        status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.FAILED],
    ).delete()
    return deleted


@task()
def expire_presence() -> int:
    """Sockets of a crashed daphne stop counting as online (core/presence.py)."""
    return presence.presence_expire()


@task()
def remove_abandoned_uploads() -> int:
    """Delete the upload files a killed process left in FILE_UPLOAD_TEMP_DIR.

    Django spools an upload larger than FILE_UPLOAD_MAX_MEMORY_SIZE to a named
    temporary file there ("tmp<random>.upload.<ext>") and deletes it when the
    request ends, unless the process dies first. (The request body itself, in
    daphne and in Django's ASGI handler, is spooled to anonymous files, which
    the system removes with the process.) Only Django's upload files, only in
    that folder, only old ones: an upload still arriving is written to."""
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    cutoff = time.time() - ABANDONED_UPLOAD_SECONDS
    removed = 0
    try:
        candidates = list(folder.glob("tmp*.upload*"))
    except OSError:
        logger.warning("%s cannot be read", folder, exc_info=True)
        return 0
    for path in candidates:
        try:
            if path.is_symlink() or not path.is_file():
                continue
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # its request ended meanwhile
    if removed:
        logger.info("%s abandoned upload file(s) removed", removed)
    return removed
