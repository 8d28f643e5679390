"""Booking a visit and changing it before it starts."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import is_hospital_staff
from pets.models import Pet

from .. import states
from ..models import ClinicSettings, Reservation, ReservationEvent, Slot
from ..realtime import dashboard_changed
from ..slots import is_slot_time
from ..states import State
from .common import (
    NOT_EDITABLE_ERROR,
    local_day,
    locked,
    next_queue_position,
    record,
    release_place,
)

SLOT_TAKEN_ERROR = _("Sorry, that time has just been taken. Please pick another.")
SLOT_UNAVAILABLE_ERROR = _("That time cannot be booked. Please pick a free slot.")
PET_HAS_ONGOING_VISIT_ERROR = _(
    "This pet already has a visit in progress. Change that visit instead."
)
PET_NOT_BOOKABLE_ERROR = _("Choose one of your own pets.")
BOOK_FOR_NOT_ALLOWED_ERROR = _(
    "Only the hospital's staff can book a visit for a customer."
)


def reservation_create(
    *,
    owner: User,
    pet: Pet,
    starts_at: datetime.datetime,
    symptoms: str,
    breathing_trouble: bool = False,
    heavy_bleeding: bool = False,
    collapse_or_seizure: bool = False,
    by: User | None = None,
) -> Reservation:
    """Book a visit in a free slot. The database has the last word on capacity
    and on one ongoing visit per pet, so concurrent requests cannot both win.

    `by` is who books when it is not the owner: a doctor or the front desk
    booking for a customer on the phone (the same rules, the same e-mail; the
    visit's first event names them). Nobody else may book for another.
    """
    if by is not None and by.pk != owner.pk and not is_hospital_staff(by):
        raise PermissionDenied(BOOK_FOR_NOT_ALLOWED_ERROR)
    if pet.owner_id != owner.pk or pet.is_archived:
        raise ValidationError(PET_NOT_BOOKABLE_ERROR, code="pet")
    rules = ClinicSettings.current()
    if not is_slot_time(starts_at, rules=rules):
        raise ValidationError(SLOT_UNAVAILABLE_ERROR, code="slot_unavailable")
    if Reservation.objects.ongoing().filter(pet=pet).exists():
        raise ValidationError(PET_HAS_ONGOING_VISIT_ERROR, code="ongoing")
    reservation = Reservation(
        pet=pet,
        symptoms=symptoms,
        breathing_trouble=breathing_trouble,
        heavy_bleeding=heavy_bleeding,
        collapse_or_seizure=collapse_or_seizure,
    )
    reservation.full_clean(exclude=["slot"], validate_constraints=False)
    with transaction.atomic():
        reservation.slot = _take_place(starts_at, rules=rules)
        reservation.queue_position = next_queue_position(local_day(starts_at))
        _save_new(reservation)
        record(
            reservation, ReservationEvent.Kind.CREATED, by or owner, to=State.REQUESTED
        )
    return reservation


def reservation_update(
    *,
    reservation: Reservation,
    by: User,
    starts_at: datetime.datetime,
    symptoms: str,
    breathing_trouble: bool,
    heavy_bleeding: bool,
    collapse_or_seizure: bool,
    version: str | None = None,
) -> Reservation:
    """Change the time or the description while the visit has not started.

    `version` is reservation_version() of the visit as the page showed it:
    when given, a visit changed since (another tab, a doctor, the first of
    a double click) is refused with VISIT_CHANGED_ERROR.
    """
    with transaction.atomic():
        reservation = locked(reservation, version=version)
        if not states.can_edit(reservation):
            raise ValidationError(NOT_EDITABLE_ERROR, code="not_editable")
        reservation.symptoms = symptoms
        reservation.breathing_trouble = breathing_trouble
        reservation.heavy_bleeding = heavy_bleeding
        reservation.collapse_or_seizure = collapse_or_seizure
        reservation.full_clean(exclude=["slot"], validate_constraints=False)
        old_slot = reservation.slot
        if starts_at != old_slot.starts_at:
            rules = ClinicSettings.current()
            if not is_slot_time(starts_at, rules=rules):
                raise ValidationError(SLOT_UNAVAILABLE_ERROR, code="slot_unavailable")
            reservation.slot = _take_place(starts_at, rules=rules)
            release_place(old_slot)
            # A new time deserves its own reminder.
            reservation.reminder_sent_at = None
            reservation.reminder_failures = 0
            reservation.reminder_error = ""
            if local_day(starts_at) != local_day(old_slot.starts_at):
                # Another day, another queue: join the end of that one.
                reservation.queue_position = next_queue_position(local_day(starts_at))
                # The day it left changes too (the event names the new one).
                dashboard_changed(
                    reason=ReservationEvent.Kind.EDITED,
                    day=local_day(old_slot.starts_at),
                )
        reservation.save()
        record(reservation, ReservationEvent.Kind.EDITED, by)
    return reservation


def _take_place(starts_at, *, rules):
    """Count one more visit in the slot at `starts_at`, or raise "slot taken".

    The slot row is made if missing (a conflict means another request made
    it), then raised by a single conditional UPDATE: on PostgreSQL concurrent
    updates of one row queue up and each re-checks `booked < capacity`.
    """
    Slot.objects.bulk_create(
        [Slot(starts_at=starts_at, capacity=rules.doctors_on_duty)],
        ignore_conflicts=True,
    )
    taken = Slot.objects.filter(starts_at=starts_at, booked__lt=F("capacity")).update(
        booked=F("booked") + 1
    )
    if not taken:
        raise ValidationError(SLOT_TAKEN_ERROR, code="slot_taken")
    return Slot.objects.get(starts_at=starts_at)


def _save_new(reservation):
    try:
        with transaction.atomic():
            reservation.save()
    except IntegrityError:
        # Only one ongoing visit per pet: another request booked it first.
        raise ValidationError(PET_HAS_ONGOING_VISIT_ERROR, code="ongoing") from None
