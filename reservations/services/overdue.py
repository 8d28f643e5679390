"""Visits that waited past their band's maximum: the doctors are alerted once
each, wherever on the dashboard they are (issue 16).

The Today panel and the queue page turn their own rows red in the browser;
this is for the doctors on other pages, and for visits past the Today panel's
first rows. The schedule runs it every minute (reminders.alert_overdue_visits).
"""

import datetime

from django.db import transaction
from django.utils import timezone

from ..models import Reservation
from ..realtime import visit_overdue_push
from ..states import State
from ..waits import mark_waits, max_waits


def overdue_visits_alert(*, now: datetime.datetime | None = None) -> int:
    """Alert the doctors of each checked-in visit now past its maximum wait,
    once per visit; returns how many were alerted.

    The mark is a conditional UPDATE: of two runs at once (two workers, or
    a run that overlapped the next), only the one whose UPDATE changed the
    row pushes, and its push is queued in the same transaction as the mark."""
    now = now or timezone.now()
    limits = max_waits()
    waiting = list(
        Reservation.objects.filter(
            state=State.CHECKED_IN,
            overdue_alerted_at__isnull=True,
            checked_in_at__lte=now - min(limits.values()),
        ).select_related("pet")
    )
    mark_waits(waiting, limits=limits, now=now)
    alerted = 0
    for visit in waiting:
        if not visit.overdue:
            continue
        with transaction.atomic():
            claimed = Reservation.objects.filter(
                pk=visit.pk, state=State.CHECKED_IN, overdue_alerted_at__isnull=True
            ).update(overdue_alerted_at=now)
            if claimed:
                visit_overdue_push(visit)
                alerted += 1
    return alerted
