"""Booking a visit and changing it before it starts."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import is_hospital_staff
from pets.models import Pet

from .. import states
from ..models import ClinicSettings, Reservation, ReservationEvent, VisitType
from ..realtime import dashboard_changed
from ..slots import is_slot_time, visit_end, visit_times
from ..states import State
from .common import (
    NOT_EDITABLE_ERROR,
    held_slots,
    local_day,
    locked,
    next_queue_position,
    offer_freed,
    record,
)
from .places import places_take
from .waitlist_offers import offer_reach

SLOT_UNAVAILABLE_ERROR = _("That time cannot be booked. Please pick a free slot.")
VISIT_TYPE_NOT_ONLINE_ERROR = _(
    "A visit of the type “%(type)s” cannot be booked online. Please call the "
    "hospital to book it."
)
VISIT_TYPE_INACTIVE_ERROR = _("This type of visit is no longer offered.")
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
    visit_type: VisitType | None = None,
    type_agreed: bool = False,
) -> Reservation:
    """Book a visit in a free slot. The database has the last word on capacity
    and on one ongoing visit per pet, so concurrent requests cannot both win.

    `by` is who books when it is not the owner: a doctor or the front desk
    booking for a customer on the phone (the same rules, the same e-mail; the
    visit's first event names them). Nobody else may book for another.

    `visit_type` (VisitType.default() when None) decides how many consecutive
    slots from `starts_at` the visit takes a place in; owners book only the
    types open online, the staff any active one. `type_agreed`: the staff
    agreed a type they alone book beforehand (a waitlist entry they made).
    """
    staff_booking = by is not None and by.pk != owner.pk
    if staff_booking and not is_hospital_staff(by):
        raise PermissionDenied(BOOK_FOR_NOT_ALLOWED_ERROR)
    if pet.owner_id != owner.pk or pet.is_archived:
        raise ValidationError(PET_NOT_BOOKABLE_ERROR, code="pet")
    visit_type = visit_type or VisitType.default()
    check_visit_type(visit_type, staff_booking=staff_booking or type_agreed)
    rules = ClinicSettings.current()
    units = visit_type.slot_units
    if not is_slot_time(starts_at, rules=rules, units=units):
        raise ValidationError(SLOT_UNAVAILABLE_ERROR, code="slot_unavailable")
    if Reservation.objects.ongoing().filter(pet=pet).exists():
        raise ValidationError(PET_HAS_ONGOING_VISIT_ERROR, code="ongoing")
    reservation = Reservation(
        pet=pet,
        visit_type=visit_type,
        places=units,
        symptoms=symptoms,
        breathing_trouble=breathing_trouble,
        heavy_bleeding=heavy_bleeding,
        collapse_or_seizure=collapse_or_seizure,
    )
    reservation.full_clean(exclude=["slot"], validate_constraints=False)
    with transaction.atomic():
        reservation.slot = places_take(starts_at, units, rules=rules)
        reservation.ends_at = visit_end(starts_at, units, rules=rules)
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
    The visit keeps its type and the number of slots it took.

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
            units = reservation.places
            if not is_slot_time(starts_at, rules=rules, units=units):
                raise ValidationError(SLOT_UNAVAILABLE_ERROR, code="slot_unavailable")
            # The old slots the new time does not cover go to the waitlist:
            # what an offer of them may take is locked with the rest.
            old_times = held_slots(reservation, rules=rules)
            reach = offer_reach(old_times, rules=rules, now=timezone.now())
            reservation.slot = places_take(
                starts_at, units, rules=rules, giving_back=old_times, also=reach
            )
            reservation.ends_at = visit_end(starts_at, units, rules=rules)
            offer_freed(
                old_times,
                kept=visit_times(starts_at, units, rules=rules),
                within={*old_times, *reach},
            )
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


def check_visit_type(visit_type, *, staff_booking):
    if not visit_type.active:
        raise ValidationError(VISIT_TYPE_INACTIVE_ERROR, code="visit_type")
    if not (visit_type.online or staff_booking):
        raise ValidationError(
            VISIT_TYPE_NOT_ONLINE_ERROR,
            code="visit_type",
            params={"type": visit_type.label},
        )


def _save_new(reservation):
    try:
        with transaction.atomic():
            reservation.save()
    except IntegrityError:
        # Only one ongoing visit per pet: another request booked it first.
        raise ValidationError(PET_HAS_ONGOING_VISIT_ERROR, code="ongoing") from None
