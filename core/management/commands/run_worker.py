"""manage.py run_worker: the background worker (the Procfile's `worker:`).

django-tasks-db's db_worker, plus two things a hospital's worker needs: it
ticks the schedule (core/schedule.py) every TASKS_SCHEDULE_TICK_SECONDS in a thread
of its own, and it outlives a database that goes away (db_worker would exit
on the first error; this one logs, waits and goes on). Run as many as needed,
on as many machines: they never run a task twice nor a period's job twice.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections
from django_tasks_db.management.commands import db_worker

from core.schedule import schedule_tick

logger = logging.getLogger("healingpaws.tasks")

# How long to wait before trying again after the database went away.
DATABASE_RETRY_SECONDS = 5


class Command(db_worker.Command):
    help = (
        "Run a background worker: the tasks in the queue, and the periodic jobs "
        "(core/schedule.py). Stop with SIGTERM or Ctrl+C (it finishes its task)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # The reloader would start the schedule's thread in two processes.
        parser.set_defaults(reload=False, queue_name="*")
        parser.add_argument(
            "--no-schedule",
            action="store_false",
            dest="schedule",
            help="Do not tick the schedule (a worker for the queue alone).",
        )

    def handle(self, *, schedule=True, **options):
        if schedule and not options["batch"]:
            threading.Thread(target=tick_forever, name="schedule", daemon=True).start()
        while True:
            try:
                super().handle(**options)
                return
            except DatabaseError:
                logger.exception(
                    "worker: the database failed, again in %ss", DATABASE_RETRY_SECONDS
                )
                connections.close_all()
                time.sleep(DATABASE_RETRY_SECONDS)


def tick_forever():
    while True:
        try:
            close_old_connections()
            schedule_tick()
        except Exception:
            logger.exception(
                "schedule: tick failed, again in %ss",
                settings.TASKS_SCHEDULE_TICK_SECONDS,
            )
        time.sleep(settings.TASKS_SCHEDULE_TICK_SECONDS)
