"""My pets keeps each card it renders (pets_tags.pet_card): a card must
still change whenever what it shows changes, in the viewer's language."""

import re

import pytest
from django.urls import reverse

from pets.tests.factories import PetFactory
from reservations.models import Reservation, State
from reservations.tests.factories import make_visit

pytestmark = pytest.mark.django_db


def card_of(client, pet):
    text = client.get(reverse("pets:list")).content.decode()
    found = re.search(rf'data-pet-id="{pet.pk}">(.*?)</a>', text, re.S)
    assert found, f"no card for pet {pet.pk}"
    return found[1]


def test_a_card_shows_the_pets_new_name_and_its_visits_new_state(
    customer_client, customer
):
    pet = PetFactory(owner=customer, name="Mochi")
    assert "No current visit" in card_of(customer_client, pet)

    visit = make_visit(pet, state=State.REQUESTED)
    assert 'data-state="requested"' in card_of(customer_client, pet)

    Reservation.objects.filter(pk=visit.pk).update(state=State.CHECKED_IN)
    pet.name = "Mochi the Brave"
    pet.save()
    card = card_of(customer_client, pet)

    assert 'data-state="checked_in"' in card
    assert "Mochi the Brave" in card


def test_a_card_is_in_the_language_of_each_viewer(customer_client, customer):
    pet = PetFactory(owner=customer, name="Mochi")
    assert "No current visit" in card_of(customer_client, pet)

    customer.preferred_language = "zh-hans"
    customer.save()
    assert "No current visit" not in card_of(customer_client, pet)

    customer.preferred_language = "en"
    customer.save()
    assert "No current visit" in card_of(customer_client, pet)
