"""Places in slots: taking and giving back the consecutive slots a visit (or
a waitlist hold) covers.

Each slot row counts its visits in `booked`, kept within `capacity` by a
CHECK constraint. A visit of n slots counts in each of the n rows. The rows
are made if missing and locked in the order of their times before any is
counted, so two bookings that overlap wait for each other instead of
deadlocking, and the second sees the first's counts; the conditional UPDATE
and the constraint stay the database's last word on capacity.

Every transaction locks the slot rows it needs in one statement, in the
order of their times, before it waits for any other (a freed place offered
to the waitlist may start before it: offer_reach in waitlist_offers.py says
which rows an offer may take, locked with the freed ones). Rows are made, if
missing, before any is locked: making a row waits for a transaction making
the same one, which must not be waiting for us.
"""

import datetime
from collections.abc import Sequence

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
        Slot.objects.select_for_update()
        .filter(starts_at__in=times)
        .order_by("starts_at")
    )


def places_take(
    starts_at: datetime.datetime,
    units: int,
    *,
    rules: ClinicSettings,
    giving_back: Sequence[datetime.datetime] = (),
    also: Sequence[datetime.datetime] = (),
) -> Slot:
    """Count a place in each of the `units` slots from `starts_at`; the first
    slot, or ValidationError "slot_taken" (nothing counted). Call it inside a
    transaction.

    `giving_back` (the starts of its slots, slots.held_times) is the place a
    moved visit leaves: both sets of rows are locked together in one time
    order, and the old place given back first, so a visit moved by one slot
    can keep the slots it shares with its new time. The rows at `also` are
    locked with them (the slots the waitlist may offer next: offer_reach).
    """
    times = visit_times(starts_at, units, rules=rules)
    with transaction.atomic():
        rows = _locked_rows(sorted({*times, *giving_back, *also}), rules=rules)
        if giving_back:
            _give_back([row.pk for row in rows if row.starts_at in giving_back])
        wanted = [row.pk for row in rows if row.starts_at in times]
        taken = Slot.objects.filter(pk__in=wanted, booked__lt=F("capacity")).update(
            booked=F("booked") + 1
        )
        if taken != units:
            raise ValidationError(SLOT_TAKEN_ERROR, code="slot_taken")
    return next(row for row in rows if row.starts_at == starts_at)


def places_give_back(
    times: Sequence[datetime.datetime], *, also: Sequence[datetime.datetime] = ()
) -> list[Slot]:
    """Uncount a place in the slots at `times` (what a visit or a hold
    took: slots.held_times); those slots, in time order (for the waitlist to
    offer). The rows at `also` are locked with them, in the same statement:
    the slots the waitlist may offer next (offer_reach)."""
    if also:
        rows = _locked_rows(sorted({*times, *also}), rules=ClinicSettings.current())
    else:  # the rows of a place taken are there
        rows = list(
            Slot.objects.select_for_update()
            .filter(starts_at__in=times)
            .order_by("starts_at")
        )
    freed = [row for row in rows if row.starts_at in times]
    _give_back([row.pk for row in freed])
    return freed


def _give_back(pks):
    Slot.objects.filter(pk__in=pks, booked__gt=0).update(booked=F("booked") - 1)
