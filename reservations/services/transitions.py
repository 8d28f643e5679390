"""A visit moves on: state changes (PRODUCT.md section 5) and triage."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import is_doctor, is_front_desk

from .. import states
from ..models import REASON_MAX_LENGTH, Reservation, ReservationEvent
from ..states import State, Triage
from .common import (
    NOT_ALLOWED_ERROR,
    NOT_EDITABLE_ERROR,
    local_day,
    locked,
    next_queue_position,
    record,
    release_place,
)

ILLEGAL_TRANSITION_ERROR = _("A visit that is %(state)s cannot become %(to)s.")
CANCEL_REASON_REQUIRED_ERROR = _("Please give a reason for cancelling.")
NOTE_TOO_LONG_ERROR = _("Keep the note to %(limit)d characters or fewer.")
NO_SHOW_TOO_EARLY_ERROR = _(
    "A visit can be marked a no-show only %(minutes)d minutes after its start."
)


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
        reservation = locked(reservation, version=version)
        from_state = reservation.state
        if not states.is_legal_move(from_state, to_state):
            raise ValidationError(
                ILLEGAL_TRANSITION_ERROR,
                code="illegal_transition",
                params={
                    "state": State(from_state).label,
                    "to": State(to_state).label if to_state in State else to_state,
                },
            )
        if not may_move(by, reservation, to_state):
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
            if not reservation.walk_in:  # a walk-in holds no bookable place
                release_place(reservation)
        if to_state == State.NO_SHOW:
            if not states.may_be_no_show(reservation, timezone.now()):
                raise ValidationError(
                    NO_SHOW_TOO_EARLY_ERROR,
                    code="too_early",
                    params={"minutes": states.NO_SHOW_AFTER.seconds // 60},
                )
            # Its time has gone by, but the day's count of places is right.
            release_place(reservation)
        if to_state == State.CHECKED_IN:
            reservation.checked_in_at = timezone.now()
        reservation.state = to_state
        reservation.save(
            update_fields=["state", "cancel_reason", "checked_in_at", "updated_at"]
        )
        record(
            reservation,
            ReservationEvent.Kind.STATE,
            by,
            old=from_state,
            to=to_state,
            note=note,
        )
    return reservation


def may_move(user: User, reservation: Reservation, to_state: str) -> bool:
    """Whether `user` may make this (legal) move: doctors any, the front desk
    its own (states.FRONT_DESK_TRANSITIONS), the owner theirs."""
    from_state = reservation.state
    if is_doctor(user):
        return True
    if is_front_desk(user) and states.is_front_desk_move(from_state, to_state):
        return True
    return reservation.pet.owner_id == user.pk and states.is_owner_move(
        from_state, to_state
    )


def reservation_advance(
    *, reservation: Reservation, by: User, note="", version: str | None = None
) -> Reservation:
    """A doctor moves a visit one step forward (from the state it had when
    read: `version` makes sure that is still its state)."""
    to_state = states.next_state(reservation)
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
        reservation = locked(reservation, version=version)
        if not states.is_ongoing(reservation):
            raise ValidationError(NOT_EDITABLE_ERROR, code="not_editable")
        old = reservation.triage
        if old == triage:
            return reservation
        reservation.triage = Triage(triage)
        reservation.queue_position = next_queue_position(
            local_day(reservation.slot.starts_at)
        )
        reservation.save(update_fields=["triage", "queue_position", "updated_at"])
        record(reservation, ReservationEvent.Kind.TRIAGE, by, old=old, to=triage)
    return reservation
