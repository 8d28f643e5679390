"""Helpers of the tests of places: what the slots hold, a cancellation, a
place on tomorrow's waitlist."""

from pets.tests.factories import PetFactory
from reservations import services
from reservations.models import Slot, State
from reservations.tests.factories import tomorrow_at


def booked_at(*times):
    """How many places are booked at each of these starts (0 with no slot)."""
    rows = {slot.starts_at: slot.booked for slot in Slot.objects.all()}
    return [rows.get(start, 0) for start in times]


def cancel(visit):
    """The owner cancels the visit."""
    services.reservation_transition(
        reservation=visit, to_state=State.CANCELLED, by=visit.pet.owner, note="Away."
    )


def join_tomorrow(owner, visit_type=None):
    """The owner puts a new pet on tomorrow's waitlist (for a type, or the
    default)."""
    day = tomorrow_at(10).date()
    return services.waitlist_join(
        owner=owner,
        pet=PetFactory(owner=owner),
        first_day=day,
        last_day=day,
        symptoms="Check-up.",
        visit_type=visit_type,
    )
