"""Reminder e-mails for tomorrow's visits, sent by `manage.py send_reminders`.

Run it hourly from cron. Each confirmed visit starting within REMINDER_WINDOW
gets one reminder. Its row is locked while the e-mail goes out and is marked
sent in the same transaction, so on PostgreSQL two runs at once never both send
it: the second skips rows the first holds (`skip_locked`) and finds the others
already sent. SQLite has no row locks, so overlapping runs there could both
send; it is the development database, and production runs PostgreSQL.

The one gap left is a crash after the mail server took the message and before
the commit: the next run sends it again. A rare duplicate reminder is better
than a lost one.

A failed send is counted and retried on the next run, up to MAX_FAILURES.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from .models import Reservation, State
from .notifications import visit_email_send

logger = logging.getLogger("healingpaws.reservations")

REMINDER_WINDOW = datetime.timedelta(hours=24)
MAX_FAILURES = 5
ERROR_MAX_LENGTH = Reservation._meta.get_field("reminder_error").max_length


@dataclass
class ReminderSummary:
    dry_run: bool = False
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
    """Claim one visit, send its reminder and record the outcome, atomically."""
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
            visit_email_send(reservation=visit, template="reminder")
        except Exception as error:
            # Any failure of one e-mail (SMTP refusal, network, backend) must
            # not stop the others; it is recorded on the visit and retried.
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
