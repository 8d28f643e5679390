"""The booking page chooses the pet and writes the reason a link asks for
(care reminders, a no-show's rebooking link): only the owner's own pets."""

from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import translation

from pets.record.reminders import book_url
from pets.tests.factories import PetFactory
from reservations.models import SYMPTOMS_MAX_LENGTH

pytestmark = pytest.mark.django_db


def selected_pet(page):
    form = page.context["form"]
    return form["pet"].value()


def test_a_link_chooses_the_owners_pet_and_writes_the_reason(customer_client, customer):
    PetFactory(owner=customer, name="Apricot")
    mochi = PetFactory(owner=customer, name="Mochi")
    page = customer_client.get(
        reverse("reservations:new"), {"pet": mochi.pk, "reason": "Yearly jabs"}
    )
    assert selected_pet(page) == str(mochi.pk)
    html = page.content.decode()
    assert f'<option value="{mochi.pk}" selected>Mochi</option>' in html
    assert ">\nYearly jabs</textarea>" in html


def test_another_customers_pet_is_ignored_silently(customer_client, other_customer):
    theirs = PetFactory(owner=other_customer, name="Stranger")
    page = customer_client.get(
        reverse("reservations:new"), {"pet": theirs.pk, "reason": "x"}
    )
    assert page.status_code == 200
    assert selected_pet(page) is None
    assert "Stranger" not in page.content.decode()


@pytest.mark.parametrize("pet", ["abc", "-1", "99999999999999999999"])
def test_a_pet_that_is_no_number_is_ignored(customer_client, pet):
    page = customer_client.get(reverse("reservations:new"), {"pet": pet})
    assert page.status_code == 200
    assert selected_pet(page) is None


def test_a_long_reason_is_cut_to_the_symptoms_limit(customer_client, customer):
    PetFactory(owner=customer)
    page = customer_client.get(
        reverse("reservations:new"), {"reason": "a" * (SYMPTOMS_MAX_LENGTH + 50)}
    )
    assert page.context["form"]["symptoms"].value() == "a" * SYMPTOMS_MAX_LENGTH


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_care_reminders_booking_link_opens_the_prefilled_page(
    customer_client, customer, settings, language
):
    settings.SITE_URL = "https://hp.example"
    pet = PetFactory(owner=customer, name="Mochi")
    due = SimpleNamespace(
        dose=SimpleNamespace(item=SimpleNamespace(display_name="Rabies"))
    )
    with translation.override(language):
        link = book_url(pet, [due])
        reason = translation.gettext("Preventive care: %(items)s") % {"items": "Rabies"}
    assert link.startswith("https://hp.example/reservations/new/?")
    page = customer_client.get(link.removeprefix("https://hp.example"))
    assert selected_pet(page) == str(pet.pk)
    assert page.context["form"]["symptoms"].value() == reason
