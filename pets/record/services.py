"""Writes to the preventive-care record. The admin and the demo call these."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import is_doctor

from ..models import Pet
from . import notices
from .dates import check_record_dates
from .models import CareDose, CareItem, CareReminderSetting

WRONG_SPECIES_ERROR = _("This care item is for another species.")
NOT_A_DOCTOR_ERROR = _("Only a doctor can be the vet of a dose.")


@transaction.atomic
def care_dose_record(
    *,
    pet: Pet,
    item: CareItem,
    vet: User,
    given_on: datetime.date,
    batch_number: str = "",
    next_due: datetime.date | None = None,
    recorded_by: User | None = None,
    notify_owner: bool = True,
) -> CareDose:
    """Record a dose given to `pet`. Without `next_due` it is computed from
    the item's interval; `recorded_by` is who typed it (the vet when not
    given). The owner is told (a notification, pushed live) unless
    `notify_owner` is off (history copied from paper records)."""
    if item.species != pet.species:
        raise ValidationError({"item": WRONG_SPECIES_ERROR})
    care_dose_dates_check(given_on=given_on, next_due=next_due)
    if not is_doctor(vet):
        raise ValidationError({"vet": NOT_A_DOCTOR_ERROR})
    dose = CareDose(
        pet=pet,
        item=item,
        vet=vet,
        given_on=given_on,
        batch_number=batch_number.strip(),
        next_due=next_due or item.next_due(given_on),
        recorded_by=recorded_by or vet,
    )
    dose.full_clean()
    dose.save()
    if notify_owner:
        notices.dose_recorded(dose)
    return dose


def care_dose_dates_check(
    *, given_on: datetime.date | None, next_due: datetime.date | None
) -> None:
    """Raise a ValidationError for dates the record cannot take (a dose given
    in the future, a due date decades ahead); the forms ask before saving."""
    check_record_dates(given_on=given_on, next_due=(next_due, "next_due"))


def care_dose_set_next_due(
    *, dose: CareDose, next_due: datetime.date | None
) -> CareDose:
    """Correct when the next dose is due (None: no further dose)."""
    check_record_dates(next_due=(next_due, "next_due"))
    dose.next_due = next_due
    dose.full_clean()
    dose.save(update_fields=["next_due", "updated_at"])
    return dose


def care_reminders_enabled(*, owner: User) -> bool:
    setting = CareReminderSetting.objects.filter(owner=owner).first()
    return setting is None or setting.enabled


def care_reminders_set(*, owner: User, enabled: bool) -> CareReminderSetting:
    """Switch the owner's care reminders on or off."""
    setting, _created = CareReminderSetting.objects.update_or_create(
        owner=owner, defaults={"enabled": enabled}
    )
    return setting
