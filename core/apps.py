import datetime
import logging
import os

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class CoreConfig(AppConfig):
    """Shared infrastructure of the site's apps: time stamps, images, sockets,
    presence, pushes after the commit, background work and its schedule."""

    name = "core"
    verbose_name = _("Background work")  # what the admin shows of core

    def ready(self):
        from . import schedule, tasks

        schedule.every(datetime.timedelta(minutes=1), tasks.reclaim_stalled_tasks)
        schedule.every(datetime.timedelta(days=1), tasks.prune_task_history)
        schedule.every(datetime.timedelta(minutes=1), tasks.expire_presence)
        schedule.every(datetime.timedelta(hours=1), tasks.remove_abandoned_uploads)
        _make_upload_temp_dir()


def _make_upload_temp_dir():
    # Django spools large uploads there and fails the request without it.
    try:
        os.makedirs(settings.FILE_UPLOAD_TEMP_DIR, mode=0o700, exist_ok=True)
    except OSError:
        logger.warning(
            "FILE_UPLOAD_TEMP_DIR %s cannot be made: large uploads will fail",
            settings.FILE_UPLOAD_TEMP_DIR,
            exc_info=True,
        )
