"""The last place of a slot under 20 simultaneous bookings, with real commits."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from pets.tests.factories import PetFactory
from reservations.models import ClinicSettings, Reservation, Slot
from reservations.services import SLOT_TAKEN_ERROR
from reservations.tests.factories import book, tomorrow_at

CONTENDERS = 20

requires_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises writers; the race is only real on PostgreSQL",
)


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_twenty_bookings_for_the_last_place_give_one_visit(customer):
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=2)
    book(PetFactory(owner=customer))  # one of the two places is gone
    pets = [PetFactory(owner=customer) for _ in range(CONTENDERS)]
    start = threading.Barrier(CONTENDERS)
    outcomes = []

    def contend(pet):
        try:
            start.wait()
            book(pet)
            outcomes.append("booked")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=contend, args=(pet,)) for pet in pets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("booked") == 1
    assert outcomes.count(str(SLOT_TAKEN_ERROR)) == CONTENDERS - 1
    slot = Slot.objects.get(starts_at=tomorrow_at(10))
    assert slot.booked == 2 == Reservation.objects.filter(slot=slot).count()
