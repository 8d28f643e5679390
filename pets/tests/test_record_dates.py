"""The record takes no date it cannot mean: doses given in the future,
due dates or prescriptions years ahead, anything before 1980. Each is a form
error on the page that was filled in, never a 500, and nothing is saved."""

import pytest
from django.urls import reverse

from pets.models import CareDose, Prescription, WeightEntry
from pets.tests.factories import PetFactory
from pets.tests.test_admin import inline_management, pet_fields
from pets.tests.test_record_care import dose_form

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def pet(customer):
    return PetFactory(owner=customer, species="dog", birth_date=None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given_on", "next_due", "error"),
    [
        ("9999-06-01", "", "This date is in the future."),
        ("2026-06-16", "", "This date is in the future."),
        ("1979-12-31", "", "The record keeps no date before 1980."),
        ("2026-06-15", "9999-12-31", "This date is too far ahead."),
    ],
)
def test_a_dose_with_a_date_the_record_cannot_mean_is_refused(
    doctor_client, doctor, pet, rabies, given_on, next_due, error
):
    response = doctor_client.post(
        reverse("admin:pets_pet_change", args=[pet.pk]),
        dose_form(
            pet, item=rabies.pk, given_on=given_on, vet=doctor.pk, next_due=next_due
        ),
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not CareDose.objects.exists()


def _admin_rows(pet, prefix, **fields):
    return {
        **pet_fields(pet),
        **inline_management(),
        f"{prefix}-TOTAL_FORMS": "1",
        **{f"{prefix}-0-{name}": value for name, value in fields.items()},
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start_date", "error"),
    [
        ("9999-12-31", "This date is too far ahead."),
        ("1970-01-01", "The record keeps no date before 1980."),
    ],
)
def test_a_prescription_starting_out_of_range_is_refused(
    doctor_client, doctor, pet, start_date, error
):
    data = _admin_rows(
        pet,
        "prescriptions",
        drug="Carprofen 50 mg",
        dose="1 tablet",
        frequency="twice a day",
        duration_days="7",
        start_date=start_date,
        vet=str(doctor.pk),
    )

    response = doctor_client.post(reverse("admin:pets_pet_change", args=[pet.pk]), data)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Prescription.objects.exists()


@pytest.mark.django_db
def test_a_doctors_weighing_in_the_future_is_a_form_error(doctor_client, pet):
    data = _admin_rows(pet, "weights", weighed_on="2026-07-01", weight_kg="31.2")

    response = doctor_client.post(reverse("admin:pets_pet_change", args=[pet.pk]), data)

    assert response.status_code == 200
    assert "The date of a weighing cannot be in the future." in (
        response.content.decode()
    )
    assert not WeightEntry.objects.exists()


@pytest.mark.django_db
def test_an_owners_weighing_before_1980_is_refused(customer_client, pet):
    response = customer_client.post(
        reverse("pets:weight-report", args=[pet.pk]),
        {"weighed_on": "0001-01-01", "weight_kg": "3"},
    )

    assert response.status_code == 400
    assert "The record keeps no date before 1980." in response.content.decode()
    assert not WeightEntry.objects.exists()


@pytest.mark.django_db
def test_the_care_reminders_sent_list_takes_any_year_in_its_address(doctor_client):
    response = doctor_client.get(
        reverse("admin:pets_carenotice_changelist"), {"sent_on__year": "9999"}
    )

    assert response.status_code in (200, 302)
