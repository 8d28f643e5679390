"""The waitlist's holds under real concurrency on PostgreSQL: two places
freed at the same moment go to two owners, and bookers racing for them at
that moment never get a held place."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from core.tests.databases import only_on_postgresql
from pets.tests.factories import PetFactory
from reservations import services
from reservations.models import ClinicSettings, Reservation, Slot, State, WaitlistEntry
from reservations.services import SLOT_TAKEN_ERROR
from reservations.tests.factories import book, ensure_default_hours, tomorrow_at

BOOKERS = 8

requires_postgresql = only_on_postgresql(
    "SQLite serialises writers; the race is only real on PostgreSQL"
)


@pytest.fixture(autouse=True)
def _patient_pool():
    pool = getattr(connection, "pool", None)
    if pool is None:
        yield
        return
    timeout, pool.timeout = pool.timeout, 60
    yield
    pool.timeout = timeout


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_cancellations_offer_two_owners_and_bookers_get_none(
    customer, other_customer
):
    ensure_default_hours()
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=2)
    visits = [book(PetFactory(), starts_at=tomorrow_at(10)) for _ in range(2)]
    day = tomorrow_at(10).date()
    entries = [
        services.waitlist_join(
            owner=owner,
            pet=PetFactory(owner=owner),
            first_day=day,
            last_day=day,
            symptoms="Check-up.",
        )
        for owner in (customer, other_customer)
    ]
    bookers = [PetFactory() for _ in range(BOOKERS)]
    start = threading.Barrier(2 + BOOKERS)
    outcomes = []

    def cancel(visit):
        try:
            start.wait()
            services.reservation_transition(
                reservation=visit,
                to_state=State.CANCELLED,
                by=visit.pet.owner,
                note="Away.",
            )
            outcomes.append("cancelled")
        finally:
            connections.close_all()

    def try_booking(pet):
        try:
            start.wait()
            book(pet, starts_at=tomorrow_at(10))
            outcomes.append("booked")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cancel, args=(v,)) for v in visits] + [
        threading.Thread(target=try_booking, args=(pet,)) for pet in bookers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("cancelled") == 2
    # Each freed place is held in the transaction that freed it: no booker
    # ever sees it free.
    assert outcomes.count(str(SLOT_TAKEN_ERROR)) == BOOKERS
    offered = WaitlistEntry.objects.filter(state=WaitlistEntry.State.OFFERED)
    assert {entry.pk for entry in offered} == {entry.pk for entry in entries}
    slot = Slot.objects.get(starts_at=tomorrow_at(10))
    assert slot.booked == 2
    assert not Reservation.objects.filter(slot=slot, pet__in=bookers).exists()
