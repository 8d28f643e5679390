"""Every change to a visit goes through here: booking, edits, triage, states, queue.

Views, the admin, commands and consumers call these functions and nothing else
writes reservations. Each change is recorded as a ReservationEvent.
"""

import datetime
import hashlib
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Max, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import is_doctor
from pets.models import Pet

from .live import dashboard_changed
from .models import (
    ONGOING_STATES,
    REASON_MAX_LENGTH,
    RED_FLAG_FIELDS,
    ClinicSettings,
    Reservation,
    ReservationEvent,
    Slot,
    State,
    Triage,
)
from .notify import owner_notify
from .slots import is_slot_time

SLOT_TAKEN_ERROR = _("Sorry, that time has just been taken. Please pick another.")
SLOT_UNAVAILABLE_ERROR = _("That time cannot be booked. Please pick a free slot.")
PET_HAS_ONGOING_VISIT_ERROR = _(
    "This pet already has a visit in progress. Change that visit instead."
)
PET_NOT_BOOKABLE_ERROR = _("Choose one of your own pets.")
NOT_EDITABLE_ERROR = _("This visit can no longer be changed.")
ILLEGAL_TRANSITION_ERROR = _("A visit that is %(state)s cannot become %(to)s.")
NOT_ALLOWED_ERROR = _("Only a doctor can make this change.")
CANCEL_REASON_REQUIRED_ERROR = _("Please give a reason for cancelling.")
NOTE_TOO_LONG_ERROR = _("Keep the note to %(limit)d characters or fewer.")
QUEUE_NOT_ONGOING_ERROR = _(
    "Only visits still in progress can be put in order. Reload the page."
)
QUEUE_MIXED_ERROR = _(
    "Visits can only be put in order within one band of one day. Reload the page."
)
QUEUE_REPEATED_ERROR = _("Each visit can have only one place in the queue.")
QUEUE_UNKNOWN_ERROR = _("Some of these visits no longer exist. Reload the page.")
VISIT_CHANGED_ERROR = _(
    "This visit changed meanwhile: it is now %(state)s. Here is the fresh page; "
    "check it and try again."
)
# What a reorder tells the live dashboard (it is not a ReservationEvent).
QUEUE_REORDER_REASON = "reorder"

# The legal moves (PRODUCT.md section 5).
TRANSITIONS = {
    State.REQUESTED: {State.CONFIRMED, State.CANCELLED},
    State.CONFIRMED: {State.CHECKED_IN, State.CANCELLED},
    State.CHECKED_IN: {State.IN_TREATMENT, State.CANCELLED},
    State.IN_TREATMENT: {State.READY_FOR_RELEASE, State.CANCELLED},
    State.READY_FOR_RELEASE: {State.FINISHED},
}
# What an owner may do themselves; everything else is for doctors.
OWNER_TRANSITIONS = {
    State.REQUESTED: {State.CANCELLED},
    State.CONFIRMED: {State.CANCELLED},
    State.READY_FOR_RELEASE: {State.FINISHED},
}
EDITABLE_STATES = {State.REQUESTED, State.CONFIRMED}
# The next state when a doctor "advances" a visit: the legal move that is
# not a cancellation.
NEXT_STATE = {
    state: next(iter(targets - {State.CANCELLED}))
    for state, targets in TRANSITIONS.items()
}


def reservation_create(
    *,
    owner: User,
    pet: Pet,
    starts_at: datetime.datetime,
    symptoms: str,
    breathing_trouble: bool = False,
    heavy_bleeding: bool = False,
    collapse_or_seizure: bool = False,
) -> Reservation:
    """Book a visit in a free slot. The database has the last word on capacity
    and on one ongoing visit per pet, so concurrent requests cannot both win."""
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
        reservation.queue_position = _next_queue_position(_local_day(starts_at))
        _save_new(reservation)
        _record(reservation, ReservationEvent.Kind.CREATED, owner, to=State.REQUESTED)
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
        reservation = _locked(reservation, version=version)
        if reservation.state not in EDITABLE_STATES:
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
            _release_place(old_slot)
            # A new time deserves its own reminder.
            reservation.reminder_sent_at = None
            reservation.reminder_failures = 0
            reservation.reminder_error = ""
            if _local_day(starts_at) != _local_day(old_slot.starts_at):
                # Another day, another queue: join the end of that one.
                reservation.queue_position = _next_queue_position(_local_day(starts_at))
                # The day it left changes too (the event names the new one).
                dashboard_changed(
                    reason=ReservationEvent.Kind.EDITED,
                    day=_local_day(old_slot.starts_at),
                )
        reservation.save()
        _record(reservation, ReservationEvent.Kind.EDITED, by)
    return reservation


def reservation_transition(
    *,
    reservation: Reservation,
    to_state: str,
    by: User,
    note: str = "",
    version: str | None = None,
) -> Reservation:
    """Move a visit to another state, if the move is legal and `by` may make it.

    A refused move raises ValidationError (or PermissionDenied) and changes
    nothing. With `version` (see reservation_update), a visit changed since
    the page was drawn is refused with VISIT_CHANGED_ERROR.
    """
    with transaction.atomic():
        reservation = _locked(reservation, version=version)
        from_state = reservation.state
        if to_state not in TRANSITIONS.get(from_state, ()):
            raise ValidationError(
                ILLEGAL_TRANSITION_ERROR,
                code="illegal_transition",
                params={
                    "state": State(from_state).label,
                    "to": State(to_state).label if to_state in State else to_state,
                },
            )
        if not is_doctor(by) and not (
            reservation.pet.owner_id == by.pk
            and to_state in OWNER_TRANSITIONS.get(from_state, ())
        ):
            raise PermissionDenied(NOT_ALLOWED_ERROR)
        note = note.strip()
        if len(note) > REASON_MAX_LENGTH:
            raise ValidationError(
                NOTE_TOO_LONG_ERROR,
                code="note_too_long",
                params={"limit": REASON_MAX_LENGTH},
            )
        if to_state == State.CANCELLED:
            if not note:
                raise ValidationError(CANCEL_REASON_REQUIRED_ERROR, code="reason")
            reservation.cancel_reason = note
            _release_place(reservation.slot)
        reservation.state = to_state
        reservation.save(update_fields=["state", "cancel_reason", "updated_at"])
        _record(
            reservation,
            ReservationEvent.Kind.STATE,
            by,
            old=from_state,
            to=to_state,
            note=note,
        )
    return reservation


def reservation_advance(
    *, reservation: Reservation, by: User, note="", version: str | None = None
) -> Reservation:
    """A doctor moves a visit one step forward (from the state it had when
    read: `version` makes sure that is still its state)."""
    to_state = NEXT_STATE.get(reservation.state)
    if to_state is None:
        raise ValidationError(
            ILLEGAL_TRANSITION_ERROR,
            code="illegal_transition",
            params={"state": reservation.get_state_display(), "to": "—"},
        )
    return reservation_transition(
        reservation=reservation, to_state=to_state, by=by, note=note, version=version
    )


def reservation_triage(
    *, reservation: Reservation, triage: str, by: User, version: str | None = None
) -> Reservation:
    """Put an ongoing visit in a band; it joins the end of that band's queue.

    With `version` (see reservation_update), a visit changed since the page
    was drawn is refused with VISIT_CHANGED_ERROR.
    """
    if not is_doctor(by):
        raise PermissionDenied(NOT_ALLOWED_ERROR)
    with transaction.atomic():
        reservation = _locked(reservation, version=version)
        if not reservation.is_ongoing:
            raise ValidationError(NOT_EDITABLE_ERROR, code="not_editable")
        old = reservation.triage
        if old == triage:
            return reservation
        reservation.triage = Triage(triage)
        reservation.queue_position = _next_queue_position(
            _local_day(reservation.slot.starts_at)
        )
        reservation.save(update_fields=["triage", "queue_position", "updated_at"])
        _record(reservation, ReservationEvent.Kind.TRIAGE, by, old=old, to=triage)
    return reservation


def queue_reorder(*, band: str, pks: list[int], by: User) -> None:
    """Give the visits `pks`, all of `band` on one day, places 1..n in order.

    The visits are read under lock, so a visit closed or triaged elsewhere
    since the doctor's page was drawn is refused rather than misplaced. A
    refusal changes nothing. Moves are not events: nothing happened to the
    visits themselves, and owners are not mailed for every drag; the other
    doctors' open queue pages still hear of it.
    """
    if not is_doctor(by):
        raise PermissionDenied(NOT_ALLOWED_ERROR)
    if len(set(pks)) != len(pks):
        raise ValidationError(QUEUE_REPEATED_ERROR, code="queue_repeated")
    if not pks:
        return
    with transaction.atomic():
        # Locked alone, then read: a lock taken through the join to the slot
        # loses a visit moved to another slot meanwhile (see _locked).
        list(
            Reservation.objects.select_for_update()
            .filter(pk__in=pks)
            .order_by("pk")  # one order for every locker: no deadlock
            .values_list("pk", flat=True)
        )
        visits = list(
            Reservation.objects.filter(pk__in=pks).values_list(
                "state", "triage", "slot__starts_at"
            )
        )
        if len(visits) != len(pks):
            raise ValidationError(QUEUE_UNKNOWN_ERROR, code="queue_unknown")
        if any(state not in ONGOING_STATES for state, _triage, _start in visits):
            raise ValidationError(QUEUE_NOT_ONGOING_ERROR, code="queue_not_ongoing")
        days = {_local_day(start) for _state, _triage, start in visits}
        if len(days) > 1 or any(triage != band for _s, triage, _d in visits):
            raise ValidationError(QUEUE_MIXED_ERROR, code="queue_mixed")
        # One UPDATE for the whole band: positions 1..n in the given order.
        Reservation.objects.filter(pk__in=pks).update(
            queue_position=Case(
                *(When(pk=pk, then=Value(place)) for place, pk in enumerate(pks, 1))
            ),
            updated_at=timezone.now(),
        )
        (day,) = days
        dashboard_changed(reason=QUEUE_REORDER_REASON, day=day)


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


def _release_place(slot):
    Slot.objects.filter(pk=slot.pk, booked__gt=0).update(booked=F("booked") - 1)


def _local_day(moment):
    return timezone.localtime(moment).date()


def _next_queue_position(day):
    last = Reservation.objects.on_day(day).aggregate(last=Max("queue_position"))
    return (last["last"] or 0) + 1


def _save_new(reservation):
    try:
        with transaction.atomic():
            reservation.save()
    except IntegrityError:
        # Only one ongoing visit per pet: another request booked it first.
        raise ValidationError(PET_HAS_ONGOING_VISIT_ERROR, code="ongoing") from None


def reservation_version(reservation: Reservation) -> str:
    """A short token of what a page shows of a visit and a decision rests on:
    state, band, time, symptoms and red flags. Forms post it back, and the
    services refuse a change made on a page older than the visit (two doctors,
    two tabs, a double click). The queue order is left out: doctors reorder
    all day, and nobody decides on a visit by its place."""
    seen = [
        # str(): a freshly saved visit holds the choice enum, a read one str.
        str(reservation.state),
        str(reservation.triage),
        reservation.slot_id,
        reservation.symptoms,
        *(bool(getattr(reservation, name)) for name in RED_FLAG_FIELDS),
    ]
    return hashlib.sha256(json.dumps(seen).encode()).hexdigest()[:16]


def _locked(reservation, *, version=None):
    """The visit, locked for this transaction, as it is now.

    The lock is taken on the visit's row alone, and the visit read again by
    primary key afterwards. Locked through a join to its slot, a visit moved
    to another slot by a concurrent transaction came back as no row at all
    (PostgreSQL re-checks the join against the old slot): DoesNotExist, a 500
    for the second click of a double click.
    """
    list(
        Reservation.objects.select_for_update()
        .filter(pk=reservation.pk)
        .values_list("pk", flat=True)
    )
    fresh = Reservation.objects.select_related("pet__owner", "slot").get(
        pk=reservation.pk
    )
    if version is not None and version != reservation_version(fresh):
        raise ValidationError(
            VISIT_CHANGED_ERROR,
            code="visit_changed",
            params={"state": fresh.get_state_display()},
        )
    return fresh


def _record(reservation, kind, actor, *, old="", to="", note=""):
    event = ReservationEvent.objects.create(
        reservation=reservation,
        kind=kind,
        actor=actor,
        from_value=old,
        to_value=to,
        note=note,
    )
    owner_notify(event)
    # Every event changes what the doctors' queue and Today panel show.
    dashboard_changed(reason=kind, day=_local_day(reservation.slot.starts_at))
    return event
