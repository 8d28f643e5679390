"""My visits keeps each row it renders (reservations_tags.visit_row): a row
must still change whenever what it shows changes, in the viewer's language."""

import re

import pytest
from django.urls import reverse

from pets.tests.factories import PetFactory
from reservations.models import ClinicSettings, Reservation, State, Triage
from reservations.tests.factories import make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def pet(customer):
    return PetFactory(owner=customer, name="Mochi")


def my_visits(client):
    return client.get(reverse("reservations:list")).content.decode()


def row_of(text, visit):
    found = re.search(rf'<a [^>]*data-visit-id="{visit.pk}">(.*?)</a>', text, re.S)
    assert found, f"no row for visit {visit.pk}"
    return found[1]


def test_a_row_shows_the_visits_new_state_band_and_pet_name(customer_client, pet):
    visit = make_visit(pet, state=State.REQUESTED)
    row = row_of(my_visits(customer_client), visit)
    assert 'data-state="requested"' in row
    assert "data-triage" not in row

    Reservation.objects.filter(pk=visit.pk).update(
        state=State.CONFIRMED, triage=Triage.EMERGENCY
    )
    pet.name = "Mochi the Brave"
    pet.save()
    row = row_of(my_visits(customer_client), visit)

    assert 'data-state="confirmed"' in row
    assert 'data-triage="emergency"' in row
    assert "Mochi the Brave" in row


def test_a_rows_place_in_the_queue_moves_up_when_the_visit_ahead_goes_in(
    customer_client, pet
):
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1)
    ahead = make_visit(PetFactory(), triage="standard", queue_position=1)
    visit = make_visit(pet, triage="standard", queue_position=2)
    assert "number 2 in the queue" in row_of(my_visits(customer_client), visit)

    Reservation.objects.filter(pk=ahead.pk).update(state=State.IN_TREATMENT)

    assert "number 1 in the queue" in row_of(my_visits(customer_client), visit)


def test_a_row_is_in_the_language_of_each_viewer(customer_client, customer, pet):
    visit = make_visit(pet, triage="standard", queue_position=1)
    assert "number 1 in the queue" in row_of(my_visits(customer_client), visit)

    customer.preferred_language = "zh-hans"
    customer.save()
    row = row_of(my_visits(customer_client), visit)
    assert "排队第 1 位" in row
    assert "已申请" in row  # Requested

    customer.preferred_language = "en"
    customer.save()
    assert "number 1 in the queue" in row_of(my_visits(customer_client), visit)
