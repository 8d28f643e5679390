"""Places in slots: taking and giving back the consecutive slots a visit (or
a waitlist hold) covers.

Each slot row counts its visits in `booked`, kept within `capacity` by a
CHECK constraint. A visit of n slots counts in each of the n rows. The rows
are made if missing and locked in the order of their times before any is
counted, so two bookings that overlap wait for each other instead of
deadlocking, and the second sees the first's counts; the conditional UPDATE
and the constraint stay the database's last word on capacity.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from ..models import ClinicSettings, Slot
from ..slots import visit_times

SLOT_TAKEN_ERROR = _("Sorry, that time has just been taken. Please pick another.")


def _locked_rows(times, *, rules) -> list[Slot]:
    """The slot rows at `times`, made if missing, locked in time order."""
    Slot.objects.bulk_create(
        [Slot(starts_at=start, capacity=rules.doctors_on_duty) for start in times],
        ignore_conflicts=True,  # a conflict: another request made it
    )
    return list(
        Slot.objects.select_for_update().filter(starts_at__in=times).order_by("starts_at")
    )


def places_take(
    starts_at: datetime.datetime,
    units: int,
    *,
    rules: ClinicSettings,
    giving_back: tuple[Slot, int] | None = None,
) -> Slot:
    """Count a place in each of the `units` slots from `starts_at`; the first
    slot, or ValidationError "slot_taken" (nothing counted). Call it inside a
    transaction.

    `giving_back` (first slot, units) is the place a moved visit leaves: both
    sets of rows are locked together in one time order, and the old place
    given back first, so a visit moved by one slot can keep the slots it
    shares with its new time.
    """
    times = visit_times(starts_at, units, rules=rules)
    old_times = []
    if giving_back is not None:
        old_slot, old_units = giving_back
        old_times = visit_times(old_slot.starts_at, old_units, rules=rules)
    with transaction.atomic():
        rows = _locked_rows(sorted({*times, *old_times}), rules=rules)
        if old_times:
            _give_back([row.pk for row in rows if row.starts_at in old_times])
        wanted = [row.pk for row in rows if row.starts_at in times]
        taken = Slot.objects.filter(pk__in=wanted, booked__lt=F("capacity")).update(
            booked=F("booked") + 1
        )
        if taken != units:
            raise ValidationError(SLOT_TAKEN_ERROR, code="slot_taken")
    return next(row for row in rows if row.starts_at == starts_at)


def places_give_back(slot: Slot, units: int, *, rules=None) -> list[Slot]:
    """Uncount a place in each of the `units` slots from `slot`; the slots,
    in time order (for the waitlist to offer)."""
    rules = rules or ClinicSettings.current()
    times = visit_times(slot.starts_at, units, rules=rules)
    rows = list(
        Slot.objects.select_for_update().filter(starts_at__in=times).order_by("starts_at")
    )
    _give_back([row.pk for row in rows])
    return rows


def _give_back(pks):
    Slot.objects.filter(pk__in=pks, booked__gt=0).update(booked=F("booked") - 1)
