"""Writes to a pet's weight history: doctors in the dashboard, owners at home."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from ..models import Pet
from .dates import check_record_dates
from .health_models import WeightEntry, WeightSource

WEIGHED_IN_FUTURE_ERROR = _("The date of a weighing cannot be in the future.")
WEIGHED_BEFORE_BIRTH_ERROR = _("The date of a weighing cannot be before the birth.")
OWNER_WEIGHINGS_A_DAY = 5
TOO_MANY_WEIGHINGS_ERROR = _(
    "You can add %(count)d weighings a day for a pet: please try again tomorrow."
)


def weighing_date_check(*, pet: Pet, weighed_on: datetime.date) -> None:
    """Raise a ValidationError if the record cannot take this weighing's date
    (the forms ask before saving, the service again)."""
    if weighed_on > timezone.localdate():
        raise ValidationError({"weighed_on": WEIGHED_IN_FUTURE_ERROR})
    if pet.birth_date and weighed_on < pet.birth_date:
        raise ValidationError({"weighed_on": WEIGHED_BEFORE_BIRTH_ERROR})
    check_record_dates(weighed_on=weighed_on)


@transaction.atomic
def weight_record(
    *,
    pet: Pet,
    weight_kg: Decimal,
    weighed_on: datetime.date,
    by: User,
    source: str,
) -> WeightEntry:
    """Add a weighing; the newest one is the pet's current weight."""
    weighing_date_check(pet=pet, weighed_on=weighed_on)
    entry = WeightEntry(
        pet=pet,
        weight_kg=weight_kg,
        weighed_on=weighed_on,
        source=source,
        recorded_by=by,
    )
    entry.full_clean()
    entry.save()
    newest = pet.weights.order_by("-weighed_on", "-pk").first()
    if newest == entry:
        Pet.objects.filter(pk=pet.pk).update(
            weight_kg=entry.weight_kg, updated_at=timezone.now()
        )
        pet.weight_kg = entry.weight_kg
    return entry


def weight_report(*, pet: Pet, weight_kg: Decimal, weighed_on: datetime.date):
    """The owner's weighing at home, marked as owner-reported; at most
    OWNER_WEIGHINGS_A_DAY a day per pet (each row shows on the doctors' page)."""
    today = timezone.localdate()
    reported_today = pet.weights.filter(
        source=WeightSource.OWNER, created_at__date=today
    ).count()
    if reported_today >= OWNER_WEIGHINGS_A_DAY:
        raise ValidationError(
            TOO_MANY_WEIGHINGS_ERROR % {"count": OWNER_WEIGHINGS_A_DAY}
        )
    return weight_record(
        pet=pet,
        weight_kg=weight_kg,
        weighed_on=weighed_on,
        by=pet.owner,
        source=WeightSource.OWNER,
    )
