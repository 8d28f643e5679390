"""The states of a visit and what may happen in each (PRODUCT.md section 5).

The one place that says which states are ongoing, waiting or closed, which
moves are legal and who may make them. Views, templates (through the model's
properties and the template tags), forms and services ask the predicates here
rather than test a state themselves.
"""

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CONFIRMED = "confirmed", _("Confirmed")
    CHECKED_IN = "checked_in", _("Checked in")
    IN_TREATMENT = "in_treatment", _("In treatment")
    READY_FOR_RELEASE = "ready_for_release", _("Ready for pickup")
    FINISHED = "finished", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


class Triage(models.TextChoices):
    UNTRIAGED = "untriaged", _("Untriaged")
    EMERGENCY = "emergency", _("Emergency")
    STANDARD = "standard", _("Standard")


# A visit is ongoing until it is finished or cancelled. A list, in this order:
# the one-ongoing-visit constraint's migration holds it as it is.
ONGOING_STATES = [
    State.REQUESTED,
    State.CONFIRMED,
    State.CHECKED_IN,
    State.IN_TREATMENT,
    State.READY_FOR_RELEASE,
]
CLOSED_STATES = [State.FINISHED, State.CANCELLED, State.NO_SHOW]
# Waiting in the queue: from booking until a doctor takes it into treatment.
WAITING_STATES = [State.REQUESTED, State.CONFIRMED, State.CHECKED_IN]
# Booked and not yet at the hospital.
BEFORE_ARRIVAL_STATES = [State.REQUESTED, State.CONFIRMED]
# The owner may change the time and the description until the pet arrives.
EDITABLE_STATES = set(BEFORE_ARRIVAL_STATES)

# A confirmed visit not checked in this long after its start may be marked a
# no-show (by doctors or the front desk); before, the pet may still be coming.
NO_SHOW_AFTER = datetime.timedelta(minutes=30)

# The legal moves.
TRANSITIONS = {
    State.REQUESTED: {State.CONFIRMED, State.CANCELLED},
    State.CONFIRMED: {State.CHECKED_IN, State.NO_SHOW, State.CANCELLED},
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
# What the front desk may do; triage, treatment and release are for doctors.
FRONT_DESK_TRANSITIONS = {
    State.CONFIRMED: {State.CHECKED_IN, State.NO_SHOW},
}
# The next state when a doctor "advances" a visit: the legal move that is
# neither a cancellation nor a no-show.
NEXT_STATE = {
    state: next(iter(targets - {State.CANCELLED, State.NO_SHOW}))
    for state, targets in TRANSITIONS.items()
}

# Bands that doctors put in order; untriaged visits wait to be triaged first.
ORDERED_BANDS = [Triage.EMERGENCY, Triage.STANDARD]


# --- predicates: each takes a visit (a Reservation) ----------------------------


def is_ongoing(visit) -> bool:
    return visit.state in ONGOING_STATES


def is_waiting(visit) -> bool:
    return visit.state in WAITING_STATES


def is_cancelled(visit) -> bool:
    return visit.state == State.CANCELLED


def is_no_show(visit) -> bool:
    return visit.state == State.NO_SHOW


def may_be_no_show(visit, now) -> bool:
    """Whether the visit can be marked a no-show at `now`: confirmed, and its
    start NO_SHOW_AFTER ago or more."""
    return is_legal_move(visit.state, State.NO_SHOW) and (
        now >= visit.slot.starts_at + NO_SHOW_AFTER
    )


def is_triaged(visit) -> bool:
    return visit.triage != Triage.UNTRIAGED


def is_before_arrival(visit) -> bool:
    return visit.state in BEFORE_ARRIVAL_STATES


def can_edit(visit) -> bool:
    """The owner may still change the time and the description."""
    return visit.state in EDITABLE_STATES


def can_cancel(visit) -> bool:
    """The owner may still cancel (a doctor may cancel any ongoing visit)."""
    return is_owner_move(visit.state, State.CANCELLED)


def can_pick_up(visit) -> bool:
    """The owner may confirm pickup, which finishes the visit."""
    return is_owner_move(visit.state, State.FINISHED)


def next_state(visit) -> State | None:
    """Where "advance" takes the visit; None once it is closed."""
    return NEXT_STATE.get(visit.state)


def moves_from(state) -> set:
    """The states a visit in `state` may move to (by anybody)."""
    return TRANSITIONS.get(state, set())


def is_legal_move(from_state, to_state) -> bool:
    return to_state in moves_from(from_state)


def is_front_desk_move(from_state, to_state) -> bool:
    """A move the front desk may make (doctors may make every legal move)."""
    return to_state in FRONT_DESK_TRANSITIONS.get(from_state, ())


def is_owner_move(from_state, to_state) -> bool:
    """A move the visit's owner may make themselves."""
    return to_state in OWNER_TRANSITIONS.get(from_state, ())
