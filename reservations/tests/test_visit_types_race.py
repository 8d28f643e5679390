"""Visits of several slots racing on PostgreSQL with real commits: 30
bookings at once of a 45-minute type and a 15-minute type over overlapping
places never count a slot past its capacity, and never deadlock (each booking
locks its slots in time order, reservations/services/places.py)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from core.tests.databases import only_on_postgresql
from pets.tests.factories import PetFactory
from reservations.models import ClinicSettings, Reservation, Slot, State, VisitType
from reservations.services import SLOT_TAKEN_ERROR
from reservations.slots import visit_times
from reservations.tests.factories import book, ensure_default_hours, tomorrow_at

CONTENDERS = 30
CAPACITY = 2

requires_postgresql = only_on_postgresql(
    "SQLite serialises writers; the race is only real on PostgreSQL"
)


@pytest.fixture(autouse=True)
def _patient_pool():
    """More threads than the pool has connections (see test_concurrency.py)."""
    pool = getattr(connection, "pool", None)
    if pool is None:
        yield
        return
    timeout, pool.timeout = pool.timeout, 60
    yield
    pool.timeout = timeout


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_thirty_bookings_of_long_and_short_visits_never_overbook(customer):
    ensure_default_hours()  # a transactional test's flush emptied them
    ClinicSettings.objects.update_or_create(
        pk=1, defaults={"slot_minutes": 15, "doctors_on_duty": CAPACITY}
    )
    rules = ClinicSettings.current()
    # 45 and 15 minutes in 15-minute slots (names of their own: the
    # migration's rows may be there or flushed, depending on the tests before).
    long = VisitType.objects.create(name="Race: 45 minutes", slot_units=3)
    short = VisitType.objects.create(name="Race: 15 minutes", slot_units=1)
    # Starts from 10:00 to 10:45: long visits overlap each other and the
    # short ones in every order, so two bookings often want the same rows.
    starts = [tomorrow_at(10, minute) for minute in (0, 15, 30, 45)]
    wanted = [
        (long if number % 2 else short, starts[number % len(starts)])
        for number in range(CONTENDERS)
    ]
    pets = [PetFactory(owner=customer) for _ in range(CONTENDERS)]
    start = threading.Barrier(CONTENDERS)
    outcomes = []

    def contend(pet, visit_type, starts_at):
        try:
            start.wait()
            book(pet, starts_at=starts_at, visit_type=visit_type)
            outcomes.append("booked")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        except Exception as error:  # a deadlock or a constraint: the failure
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=contend, args=(pet, *want))
        for pet, want in zip(pets, wanted, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert set(outcomes) <= {"booked", str(SLOT_TAKEN_ERROR)}, outcomes
    assert len(outcomes) == CONTENDERS
    covering = {}
    visits = Reservation.objects.exclude(state=State.CANCELLED).select_related("slot")
    for visit in visits:
        for moment in visit_times(visit.slot.starts_at, visit.places, rules=rules):
            covering[moment] = covering.get(moment, 0) + 1
    slots = {slot.starts_at: slot for slot in Slot.objects.all()}
    # Every slot counts exactly the visits covering it, within its capacity.
    assert {moment: slot.booked for moment, slot in slots.items()} == {
        moment: covering.get(moment, 0) for moment in slots
    }
    assert all(slot.booked <= slot.capacity == CAPACITY for slot in slots.values())
    assert outcomes.count("booked") == visits.count() >= CAPACITY
    assert max(slot.booked for slot in slots.values()) == CAPACITY
    assert visits.filter(places=3).exists()
