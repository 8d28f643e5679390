"""The booking rules and opening hours, kept by doctors in the admin."""

import datetime

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Greatest
from django.utils import timezone

from ..models import ClinicSettings, MaxWait, OpeningHours, Slot


def clinic_settings_update(
    *, slot_minutes: int, doctors_on_duty: int, booking_horizon_days: int
) -> ClinicSettings:
    """Change the booking rules.

    Each slot holds its own capacity, set when it was first booked. When the
    number of doctors changes, future slots follow it, but never drop below
    the visits they already hold (those stay booked).
    """
    with transaction.atomic():
        rules, _created = ClinicSettings.objects.select_for_update().get_or_create(pk=1)
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
