"""Which waiting owner a freed place is offered to (review M1, M2 of issue
16): never one whose type can no longer be booked online, and never again
the same place to an owner who let it lapse, a place of several slots too."""

import datetime

import pytest
from django.utils import timezone

from pets.tests.factories import PetFactory
from reservations import services
from reservations.models import ClinicSettings, VisitType, WaitlistEntry
from reservations.tests.factories import book, tomorrow_at
from reservations.tests.places import booked_at, cancel, join_tomorrow

pytestmark = [pytest.mark.django_db, pytest.mark.calendar]

Waiting = WaitlistEntry.State


@pytest.fixture(autouse=True)
def _one_doctor():
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1, slot_minutes=30)


def a_type(name, units):
    return VisitType.objects.create(name=name, slot_units=units, position=100)


def state_of(entry):
    entry.refresh_from_db()
    return entry.state


@pytest.mark.parametrize(
    "change", [{"online": False}, {"active": False}], ids=["desk-only", "inactive"]
)
def test_an_entry_whose_type_owners_cannot_book_is_offered_no_place(
    customer, other_customer, change
):
    gone = a_type("Gone", 1)
    first = join_tomorrow(customer, gone)
    second = join_tomorrow(other_customer)  # the default type, still online
    taken = book(PetFactory(), starts_at=tomorrow_at(10))
    VisitType.objects.filter(pk=gone.pk).update(**change)

    cancel(taken)

    # Held 30 minutes for an owner who could not take it, it would be lost:
    # it goes to the next owner who can.
    assert state_of(first) == Waiting.WAITING
    assert state_of(second) == Waiting.OFFERED
    services.waitlist_take(entry=second, by=other_customer)
    assert booked_at(tomorrow_at(10)) == [1]


def test_with_nobody_else_waiting_the_place_stays_free_to_book(customer):
    gone = a_type("Gone", 1)
    entry = join_tomorrow(customer, gone)
    taken = book(PetFactory(), starts_at=tomorrow_at(10))
    VisitType.objects.filter(pk=gone.pk).update(online=False)

    cancel(taken)

    assert state_of(entry) == Waiting.WAITING
    assert booked_at(tomorrow_at(10)) == [0]


def lapsed_two_slot_offer(owner, time_machine):
    """The owner's entry for a two-slot type is offered 10:00-11:00 (every
    other two-slot start around it is blocked), and lets it lapse."""
    time_machine.move_to(timezone.now(), tick=False)
    long = a_type("Long", 2)
    entry = join_tomorrow(owner, long)
    taken = book(PetFactory(), starts_at=tomorrow_at(10), visit_type=long)
    for hour, minute in [(9, 30), (11, 0)]:
        book(PetFactory(), starts_at=tomorrow_at(hour, minute))
    cancel(taken)
    entry.refresh_from_db()
    assert entry.state == Waiting.OFFERED
    assert entry.offered_slot.starts_at == tomorrow_at(10)
    return entry


def lapse(time_machine):
    time_machine.shift(datetime.timedelta(minutes=31))
    services.waitlist_offers_expire()


def test_a_lapsed_two_slot_offer_is_not_offered_again_to_the_same_owner(
    customer, time_machine
):
    entry = lapsed_two_slot_offer(customer, time_machine)
    # Read before the clock moves: 31 minutes on may be another day.
    place = [tomorrow_at(10), tomorrow_at(10, 30)]

    lapse(time_machine)

    # Not 10:00-11:00 again through its second slot (10:30, one back).
    assert state_of(entry) == Waiting.WAITING
    assert booked_at(*place) == [0, 0]


def test_a_lapsed_two_slot_offer_goes_to_the_next_owner(
    customer, other_customer, time_machine
):
    entry = lapsed_two_slot_offer(customer, time_machine)
    later = join_tomorrow(other_customer, VisitType.objects.get(name="Long"))
    # Read before the clock moves: 31 minutes on may be another day.
    place = [tomorrow_at(10), tomorrow_at(10, 30)]

    lapse(time_machine)

    assert state_of(entry) == Waiting.WAITING
    later.refresh_from_db()
    assert later.state == Waiting.OFFERED
    assert later.offered_slot.starts_at == place[0]
    assert booked_at(*place) == [1, 1]
