"""My pets is a part kept rendered (core/page_parts.py): loaded again, it
asks the database nothing of pets, and it is drawn afresh whenever a pet or
its visit changes, however the change is written."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pets import services
from pets.models import Pet
from pets.tests.factories import PetFactory
from reservations.models import Reservation, State
from reservations.tests.factories import make_visit

pytestmark = pytest.mark.django_db


def my_pets(client):
    response = client.get(reverse("pets:list"))
    assert response.status_code == 200
    return response.content.decode()


def test_loaded_again_the_list_asks_nothing_of_pets(customer_client, customer):
    PetFactory.create_batch(3, owner=customer)
    first = my_pets(customer_client)

    with CaptureQueriesContext(connection) as asked:
        again = my_pets(customer_client)

    assert again.count("data-pet-id") == first.count("data-pet-id") == 3
    assert not [q for q in asked.captured_queries if "pets_" in q["sql"]]


def test_a_renamed_pet_and_a_new_one_show(customer_client, customer):
    pet = PetFactory(owner=customer, name="Mochi")
    my_pets(customer_client)

    pet.name = "Mochi the Brave"
    pet.save()
    PetFactory(owner=customer, name="Tofu")

    page = my_pets(customer_client)
    assert "Mochi the Brave" in page
    assert "Tofu" in page


def test_an_archived_pet_leaves_the_list_and_is_counted(customer_client, customer):
    pet = PetFactory(owner=customer, name="Mochi")
    my_pets(customer_client)

    services.pet_archive(pet=pet)

    page = my_pets(customer_client)
    assert "data-pet-id" not in page
    assert "1 archived pet" in page


def test_a_pet_changed_by_update_shows(customer_client, customer):
    pet = PetFactory(owner=customer, name="Mochi")
    my_pets(customer_client)

    Pet.objects.filter(pk=pet.pk).update(name="Momo")

    assert "Momo" in my_pets(customer_client)


@pytest.mark.calendar  # the visit's time
def test_the_cards_show_their_visits_new_state(customer_client, customer):
    pet = PetFactory(owner=customer, name="Mochi")
    visit = make_visit(pet, state=State.REQUESTED)
    assert 'data-state="requested"' in my_pets(customer_client)

    Reservation.objects.filter(pk=visit.pk).update(state=State.IN_TREATMENT)

    assert 'data-state="in_treatment"' in my_pets(customer_client)


def test_another_customer_never_gets_the_kept_list(
    customer_client, customer, other_customer
):
    PetFactory(owner=customer, name="Mochi")
    assert "Mochi" in my_pets(customer_client)

    other = Client()
    other.force_login(other_customer)

    assert not re.search(r"\bMochi\b", my_pets(other))
