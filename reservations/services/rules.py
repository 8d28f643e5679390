"""The booking rules and opening hours, kept by doctors in the admin."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import ClinicSettings, MaxWait, OpeningHours, Slot

SLOT_LENGTH_IN_USE_ERROR = _(
    "The slot length cannot change while visits or waitlist offers hold "
    "places in slots still to come (the last ends %(last)s): their places "
    "were counted in slots of %(minutes)d minutes. Keep %(minutes)d minutes "
    "until then."
)


def clinic_settings_update(
    *, slot_minutes: int, doctors_on_duty: int, booking_horizon_days: int
) -> ClinicSettings:
    """Change the booking rules.

    Each slot holds its own capacity, set when it was first booked. When the
    number of doctors changes, future slots follow it, but never drop below
    the visits they already hold (those stay booked). The slot length changes
    only while no place is counted in a slot still to come (slot_length_check).
    """
    with transaction.atomic():
        rules, _created = ClinicSettings.objects.select_for_update().get_or_create(pk=1)
        slot_length_check(slot_minutes=slot_minutes, rules=rules)
        old_doctors = rules.doctors_on_duty
        rules.slot_minutes = slot_minutes
        rules.doctors_on_duty = doctors_on_duty
        rules.booking_horizon_days = booking_horizon_days
        rules.full_clean()
        rules.save()
        if doctors_on_duty != old_doctors:
            Slot.objects.filter(starts_at__gt=timezone.now()).update(
                capacity=Greatest("booked", Value(doctors_on_duty))
            )
    return rules


def slot_length_check(*, slot_minutes: int, rules: ClinicSettings | None = None):
    """Refuse (ValidationError on slot_minutes) a new slot length while a
    visit or a waitlist hold counts a place in a slot that has not ended.

    A slot row counts the places of its time: a visit of two 30-minute slots
    counts in the rows of 10:00 and 10:30. Those counts cannot be split into
    15-minute slots, and new rows at 10:15 and 10:45 would count beside them:
    the same doctor's time given twice. Visits give back the rows they took
    whatever the length since (Reservation.ends_at), so only the slots still
    to come matter.
    """
    rules = rules or ClinicSettings.current()
    if slot_minutes == rules.slot_minutes:
        return
    length = datetime.timedelta(minutes=rules.slot_minutes)
    last = (
        Slot.objects.filter(booked__gt=0, starts_at__gt=timezone.now() - length)
        .aggregate(last=Max("starts_at"))
        .get("last")
    )
    if last is not None:
        raise ValidationError(
            {
                "slot_minutes": ValidationError(
                    SLOT_LENGTH_IN_USE_ERROR,
                    code="slot_length_in_use",
                    params={
                        "last": f"{timezone.localtime(last + length):%Y-%m-%d %H:%M}",
                        "minutes": rules.slot_minutes,
                    },
                )
            }
        )


def opening_hours_update(
    *,
    hours: OpeningHours,
    opens: datetime.time | None,
    closes: datetime.time | None,
) -> OpeningHours:
    """Set one weekday's hours; no times means closed that day.

    Visits already booked outside the new hours stay booked: the hours decide
    which slots are offered from now on.
    """
    hours.opens, hours.closes = opens, closes
    hours.full_clean()
    with transaction.atomic():
        hours.save(update_fields=["opens", "closes"])
    return hours


def max_wait_update(*, max_wait: MaxWait, minutes: int) -> MaxWait:
    """Set a band's maximum wait; open dashboards use it from their next redraw."""
    max_wait.minutes = minutes
    max_wait.full_clean()
    with transaction.atomic():
        max_wait.save(update_fields=["minutes"])
    return max_wait
