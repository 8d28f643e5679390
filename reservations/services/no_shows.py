"""No-shows the hospital did not mark: at the end of the day, by the schedule.

Staff mark a no-show as soon as they know (reservation_transition, 30 minutes
after the start). A confirmed visit nobody checked in or marked by the end of
its day is marked by the hospital itself (no actor on the event), so that no
visit stays "confirmed" forever and the owner still hears of it.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from ..models import Reservation, ReservationEvent
from ..states import State
from .common import local_day, locked, record, release_place


def no_shows_mark_missed(*, now: datetime.datetime | None = None) -> int:
    """Mark the confirmed visits of days before today as no-shows; how many."""
    now = now or timezone.now()
    missed = Reservation.objects.filter(
        state=State.CONFIRMED, slot__starts_at__date__lt=local_day(now)
    ).values_list("pk", flat=True)
    marked = 0
    for pk in list(missed):
        with transaction.atomic():
            visit = locked(Reservation(pk=pk))
            if visit.state != State.CONFIRMED:
                continue  # checked in or cancelled meanwhile
            visit.state = State.NO_SHOW
            visit.save(update_fields=["state", "updated_at"])
            release_place(visit)
            record(
                visit,
                ReservationEvent.Kind.STATE,
                None,
                old=State.CONFIRMED,
                to=State.NO_SHOW,
            )
        marked += 1
    return marked
