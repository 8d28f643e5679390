"""Writes to a pet's prescriptions and the owners' refill requests."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import is_doctor

from ..models import Pet
from . import notices
from .dates import check_record_dates
from .health_models import Prescription, RefillRequest, RefillStatus

PRESCRIBER_ERROR = _("Only a doctor can prescribe.")
REFILL_NOT_ACTIVE_ERROR = _("This medication is no longer active: ask a doctor.")
REFILL_PENDING_ERROR = _("A refill of this medication is already waiting for a doctor.")
REFILL_DECIDED_ERROR = _("This refill request has already been answered.")
STOPPED_BEFORE_START_ERROR = _("A medication cannot stop before it starts.")


@transaction.atomic
def prescription_create(
    *,
    pet: Pet,
    vet: User,
    drug: str,
    dose: str,
    frequency: str,
    start_date: datetime.date,
    duration_days: int | None = None,
    instructions: str = "",
    recorded_by: User | None = None,
    notify_owner: bool = True,
) -> Prescription:
    """Prescribe; `recorded_by` is who typed it (the vet when not given).
    The owner is told (a notification, pushed live)."""
    if not is_doctor(vet):
        raise ValidationError({"vet": PRESCRIBER_ERROR})
    prescription_dates_check(start_date=start_date)
    prescription = Prescription(
        pet=pet,
        vet=vet,
        drug=drug.strip(),
        dose=dose.strip(),
        frequency=frequency.strip(),
        start_date=start_date,
        duration_days=duration_days,
        instructions=instructions.strip(),
        ends_on=(
            start_date + datetime.timedelta(days=duration_days - 1)
            if duration_days
            else None
        ),
        recorded_by=recorded_by or vet,
    )
    prescription.full_clean()
    prescription.save()
    if notify_owner:
        notices.prescribed(prescription)
    return prescription


def prescription_dates_check(
    *, start_date: datetime.date | None, stopped_on: datetime.date | None = None
) -> None:
    """Raise a ValidationError for dates the record cannot take (a start
    years ahead, a stop before the start); the forms ask before saving."""
    check_record_dates(
        start_date=(start_date, "planned"), stopped_on=(stopped_on, "planned")
    )
    if start_date and stopped_on and stopped_on < start_date:
        raise ValidationError({"stopped_on": STOPPED_BEFORE_START_ERROR})


def prescription_stop(
    *, prescription: Prescription, on: datetime.date | None = None
) -> Prescription:
    prescription_dates_check(start_date=prescription.start_date, stopped_on=on)
    prescription.stopped_on = on or timezone.localdate()
    prescription.save(update_fields=["stopped_on"])
    return prescription


def refill_request(
    *, prescription: Prescription, by: User, urgent: bool = False, note: str = ""
) -> RefillRequest:
    """The owner asks for more; one request at a time per medication."""
    if not prescription.is_active(timezone.localdate()):
        raise ValidationError(REFILL_NOT_ACTIVE_ERROR)
    refill = RefillRequest(
        prescription=prescription, requested_by=by, urgent=urgent, note=note.strip()
    )
    refill.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            refill.save()
            notices.refills_changed()
    except IntegrityError:
        # Another request is pending (two clicks, two tabs).
        raise ValidationError(REFILL_PENDING_ERROR) from None
    return refill


@transaction.atomic
def refill_decide(*, refill: RefillRequest, by: User, approve: bool) -> RefillRequest:
    """A doctor approves or declines a pending request; the owner is told."""
    locked = RefillRequest.objects.select_for_update().get(pk=refill.pk)
    if locked.status != RefillStatus.PENDING:
        raise ValidationError(REFILL_DECIDED_ERROR)
    locked.status = RefillStatus.APPROVED if approve else RefillStatus.DECLINED
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    notices.refill_decided(locked)
    notices.refills_changed()
    return locked
