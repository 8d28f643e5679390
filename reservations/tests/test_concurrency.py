"""The last place of a slot under 20 simultaneous bookings, with real commits."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from pets.tests.factories import PetFactory
from reservations.models import ClinicSettings, Reservation, Slot
from reservations.services import SLOT_TAKEN_ERROR
from reservations.tests.factories import book, ensure_default_hours, tomorrow_at

CONTENDERS = 20

requires_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises writers; the race is only real on PostgreSQL",
)


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_twenty_bookings_for_the_last_place_give_one_visit(customer):
    ensure_default_hours()
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


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_twenty_customers_posting_for_the_last_place_see_slot_taken_not_an_error(
    customer,
):
    """The same race through the booking page: one visit, 19 clear messages."""
    ensure_default_hours()
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=2)
    book(PetFactory(owner=customer))
    contenders = []
    for number in range(CONTENDERS):
        pet = PetFactory(owner=UserFactory(username=f"racer{number}"))
        browser = Client()
        browser.force_login(pet.owner)
        contenders.append((browser, pet))
    start = threading.Barrier(CONTENDERS)
    answers = []

    def contend(browser, pet):
        try:
            start.wait()
            answers.append(
                browser.post(
                    reverse("reservations:new"),
                    {
                        "pet": pet.pk,
                        "starts_at": tomorrow_at(10).isoformat(),
                        "symptoms": "Coughing.",
                    },
                )
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=contend, args=pair) for pair in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [302] + [400] * (CONTENDERS - 1)
    refused = [answer for answer in answers if answer.status_code == 400]
    assert all(str(SLOT_TAKEN_ERROR) in answer.content.decode() for answer in refused)
    assert Reservation.objects.filter(slot__starts_at=tomorrow_at(10)).count() == 2
