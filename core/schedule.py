"""Periodic work without cron: every worker ticks the schedule
(run_worker), and each job's task is enqueued once per period however many
workers tick, because the period's ScheduledRun row can be inserted once.

Apps register their jobs in AppConfig.ready():

    schedule.every(datetime.timedelta(hours=1), send_reminders)

A period starts at a multiple of its length since the Unix epoch (an hourly
job's periods start on the hour, UTC). A period no worker ticked in (all were
down) is skipped, not made up: jobs look at the state of things (reminders
due, rows stale), so the next period does the missed one's work.
"""

import datetime
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ScheduledRun

logger = logging.getLogger("healingpaws.tasks")

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Job:
    period: datetime.timedelta
    task: object  # a django_tasks Task

    @property
    def name(self) -> str:
        return self.task.module_path

    def period_start(self, now: datetime.datetime) -> datetime.datetime:
        return EPOCH + (now - EPOCH) // self.period * self.period


_jobs: dict[str, Job] = {}


def every(period: datetime.timedelta, task) -> None:
    """Run `task` (no arguments) once every `period`."""
    job = Job(period=period, task=task)
    _jobs[job.name] = job


def jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def schedule_tick(*, now: datetime.datetime | None = None) -> list[str]:
    """Enqueue every job whose current period has not run yet; returns the
    names of the jobs this call enqueued."""
    now = now or timezone.now()
    enqueued = []
    for job in jobs():
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(
                    job=job.name, period_start=job.period_start(now)
                )
                job.task.enqueue()
        except IntegrityError:
            continue  # another worker enqueued this period
        enqueued.append(job.name)
    if enqueued:
        logger.info("scheduled: %s", ", ".join(enqueued))
    return enqueued
