"""Reminder e-mails for tomorrow's visits, sent by the worker every
REMINDER_EVERY (the schedule, ReservationsConfig.ready) or by hand with
`manage.py send_reminders`.

Each confirmed visit starting within REMINDER_WINDOW gets one reminder. Its
row is locked while the e-mail is rendered (in the owner's language) and
handed to the queue, and it is marked sent in the same transaction as the
e-mail's task row: on PostgreSQL two runs at once never both send it (the
second skips rows the first holds, `skip_locked`, and finds the others already
sent), and a crash loses nothing (the mark and the task commit together).
SQLite has no row locks, so overlapping runs there could both send; it is the
development database, and production runs PostgreSQL.

The mail server's refusals are the e-mail task's business: it is retried with
backoff by the worker (core/mail.py) and the reminder stays marked sent. What
can fail here is handing the e-mail over (rendering it, writing its task):
that is counted on the visit and retried on the next run, up to MAX_FAILURES.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .models import Reservation, State
from .notifications import visit_email_send
from .services import (
    no_shows_mark_missed,
    overdue_visits_alert,
    waitlist_offers_expire,
)

logger = logging.getLogger("healingpaws.reservations")

REMINDER_WINDOW = datetime.timedelta(hours=24)
REMINDER_EVERY = datetime.timedelta(hours=1)
MAX_FAILURES = 5
ERROR_MAX_LENGTH = Reservation._meta.get_field("reminder_error").max_length


@dataclass
class ReminderSummary:
    dry_run: bool = False
    # Handed to the queue (the worker delivers them).
    sent: list[Reservation] = field(default_factory=list)
    # Failed this run, to be retried next run.
    failed: list[Reservation] = field(default_factory=list)
    # Failed for the MAX_FAILURES-th time this run: no more retries.
    gave_up: list[Reservation] = field(default_factory=list)
    # Due but not attempted: given up on an earlier run, or held by another run.
    skipped: list[Reservation] = field(default_factory=list)


def reminders_due(now: datetime.datetime):
    """Confirmed visits starting within the window whose reminder is not sent."""
    return Reservation.objects.filter(
        state=State.CONFIRMED,
        reminder_sent_at__isnull=True,
        slot__starts_at__gt=now,
        slot__starts_at__lte=now + REMINDER_WINDOW,
    )


def reminders_send(
    *, now: datetime.datetime | None = None, dry_run: bool = False
) -> ReminderSummary:
    """Send the reminders that are due; with `dry_run`, only say which they are.

    In a dry run `sent` lists the visits that would get a reminder.
    """
    now = now or timezone.now()
    summary = ReminderSummary(dry_run=dry_run)
    due = reminders_due(now).select_related("pet__owner", "slot")
    for visit in due.order_by("slot__starts_at", "pk"):
        if visit.reminder_failures >= MAX_FAILURES:
            summary.skipped.append(visit)
        elif dry_run:
            summary.sent.append(visit)
        else:
            _send_one(visit.pk, now=now, summary=summary, fallback=visit)
    return summary


def _send_one(pk, *, now, summary, fallback):
    """Claim one visit, hand its reminder to the queue and record the outcome,
    atomically."""
    with transaction.atomic():
        # Re-read under lock: another run may have sent it since we listed it
        # (then it is no longer due) or may be sending it now (then it is
        # locked and skipped).
        visit = (
            reminders_due(now)
            .filter(pk=pk, reminder_failures__lt=MAX_FAILURES)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("pet__owner", "slot")
            .first()
        )
        if visit is None:
            summary.skipped.append(fallback)
            return
        try:
            # A savepoint: a database error writing the e-mail's task must
            # leave this transaction able to record the failure.
            with transaction.atomic():
                visit_email_send(reservation=visit, template="reminder")
        except Exception as error:
            # Any failure of one e-mail (a template, the task's row) must not
            # stop the others; it is recorded on the visit and retried.
            logger.warning("reminder for visit %s not sent: %s", visit.pk, error)
            visit.reminder_failures += 1
            visit.reminder_error = f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]
            visit.save(update_fields=["reminder_failures", "reminder_error"])
            if visit.reminder_failures >= MAX_FAILURES:
                summary.gave_up.append(visit)
            else:
                summary.failed.append(visit)
            return
        visit.reminder_sent_at = timezone.now()
        visit.reminder_error = ""
        visit.save(update_fields=["reminder_sent_at", "reminder_error"])
        summary.sent.append(visit)


@task()
def send_due_reminders() -> dict[str, int]:
    """The schedule's job, every REMINDER_EVERY: the reminders due now."""
    summary = reminders_send()
    for visit in summary.gave_up:
        logger.error(
            "reminder for visit %s given up after %s failures: %s",
            visit.pk,
            visit.reminder_failures,
            visit.reminder_error,
        )
    return {
        "sent": len(summary.sent),
        "failed": len(summary.failed),
        "gave_up": len(summary.gave_up),
        "skipped": len(summary.skipped),
    }


# The end-of-day no-shows (services.no_shows_mark_missed), with the reminders'
# hourly schedule: a visit of yesterday is marked within the first hour.
NO_SHOWS_EVERY = datetime.timedelta(hours=1)


@task()
def mark_missed_visits() -> dict[str, int]:
    """The schedule's job: confirmed visits of past days become no-shows."""
    return {"marked": no_shows_mark_missed()}


# Waitlist offers not taken in their 30 minutes go to the next owner (issue 16).
WAITLIST_EVERY = datetime.timedelta(minutes=1)


@task()
def expire_waitlist_offers() -> dict[str, int]:
    return {"handed_on": waitlist_offers_expire()}


# Visits past their band's maximum wait: the doctors hear of them within the
# minute on any dashboard page (issue 16; services.overdue_visits_alert).
OVERDUE_EVERY = datetime.timedelta(minutes=1)


@task()
def alert_overdue_visits() -> dict[str, int]:
    return {"alerted": overdue_visits_alert()}
