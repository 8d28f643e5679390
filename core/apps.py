import datetime

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared infrastructure of the site's apps: time stamps, images, sockets,
    presence, pushes after the commit, background work and its schedule."""

    name = "core"

    def ready(self):
        from . import schedule, tasks

        schedule.every(datetime.timedelta(minutes=1), tasks.reclaim_stalled_tasks)
        schedule.every(datetime.timedelta(days=1), tasks.prune_task_history)
