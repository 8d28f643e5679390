"""manage.py run_worker: the background worker (the Procfile's `worker:`).

django-tasks-db's db_worker, plus four things a hospital's worker needs: it
ticks the schedule (core/schedule.py) every TASKS_SCHEDULE_TICK_SECONDS in a
thread of its own; it sends the live pushes (the "live" backend,
core/realtime.py) in a lane of its own, which looks every
TASKS_LIVE_POLL_SECONDS, so a push never waits behind an e-mail to a slow mail
server; it sends the webhooks (the "webhooks" queue, core/webhooks.py) in
another lane, so an e-mail never waits behind a slow receiver; and it
outlives a database that goes away (db_worker would exit on the first error;
this one logs, waits and goes on). Run as many as needed, on as many
machines: they never run a task twice nor a period's job twice.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands import db_worker

from core.schedule import schedule_tick
from core.webhooks import WEBHOOK_QUEUE

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
            "--no-live-lane",
            action="store_false",
            dest="live_lane",
            help="Do not send the live pushes (a worker for the other tasks).",
        )
        parser.add_argument(
            "--no-webhook-lane",
            action="store_false",
            dest="webhook_lane",
            help="Send the webhooks with the other tasks, not in a lane of their own.",
        )
        parser.add_argument(
            "--no-schedule",
            action="store_false",
            dest="schedule",
            help="Do not tick the schedule (a worker for the queue alone).",
        )

    def handle(self, *, schedule=True, live_lane=True, webhook_lane=True, **options):
        if schedule and not options["batch"]:
            threading.Thread(target=tick_forever, name="schedule", daemon=True).start()
        # Without Redis the pushes run in the site's process (AfterCommitBackend).
        queued_pushes = isinstance(task_backends["live"], DatabaseBackend)
        if live_lane and queued_pushes and not options["batch"]:
            lane = live_lane_worker(options["worker_id"])
            threading.Thread(
                target=run_lane, args=[lane, "live lane"], daemon=True
            ).start()
        # Only a worker of every queue hands the webhooks to a lane: one of
        # --queue-name=webhooks runs them itself, one that excludes them none.
        excluded = [name for name in options["exclude_queues"].split(",") if name]
        if (
            webhook_lane
            and options["queue_name"] == "*"
            and WEBHOOK_QUEUE not in excluded
            and not options["batch"]
        ):
            lane = webhook_lane_worker(options)
            threading.Thread(
                target=run_lane, args=[lane, "webhook lane"], daemon=True
            ).start()
            options["exclude_queues"] = ",".join([*excluded, WEBHOOK_QUEUE])
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


def live_lane_worker(worker_id):
    return db_worker.Worker(
        queue_names=["*"],
        excluded_queue_names=[],
        interval=settings.TASKS_LIVE_POLL_SECONDS,
        batch=False,
        backend_name="live",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"{worker_id}-live",
    )


def webhook_lane_worker(options):
    return db_worker.Worker(
        queue_names=[WEBHOOK_QUEUE],
        excluded_queue_names=[],
        interval=options["interval"],
        batch=False,
        backend_name=options["backend_name"],
        startup_delay=False,
        max_tasks=None,
        worker_id=f"{options['worker_id']}-webhooks",
    )


def run_lane(worker, name):
    # Stopping the worker (SIGTERM) ends the process, and this thread with it;
    # a task cut short stays "running" until reclaim_stalled hands it back.
    while True:
        try:
            worker.run()
        except DatabaseError:
            logger.exception(
                "%s: the database failed, again in %ss", name, DATABASE_RETRY_SECONDS
            )
            connections.close_all()
            time.sleep(DATABASE_RETRY_SECONDS)
