"""The pet's record in the API, read-only: what the owner's record tabs show."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.api import call
from pets.models import WeightEntry
from pets.record.alert_models import PatientAlert

from .factories import PetFactory
from .record_factories import TODAY, CareDoseFactory, PrescriptionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def record_url(pet):
    return f"/api/v1/pets/{pet.pk}/record/"


def test_owner_reads_care_doses_weights_and_prescriptions(
    client, token, pet, rabies, doctor
):
    CareDoseFactory(
        pet=pet, item=rabies, given_on=datetime.date(2025, 6, 1), vet=doctor
    )
    WeightEntry.objects.create(
        pet=pet,
        weight_kg="12.50",
        source="owner",
        weighed_on=TODAY,
        recorded_by=pet.owner,
    )
    PrescriptionFactory(pet=pet, vet=doctor, duration_days=7)
    PatientAlert.objects.create(pet=pet, kind="aggressive", text="Bites", set_by=doctor)

    response = call(client, "get", record_url(pet), token)

    assert response.status_code == 200
    body = response.json()
    rabies_row = next(row for row in body["care"] if row["item"] == "Rabies")
    assert (rabies_row["status"], rabies_row["next_due"]) == ("overdue", "2026-06-01")
    assert [dose["item"] for dose in body["doses"]] == ["Rabies"]
    assert body["weights"] == [
        {"weighed_on": "2026-06-15", "weight_kg": "12.50", "owner_reported": True}
    ]
    assert [(p["drug"], p["is_active"]) for p in body["prescriptions"]] == [
        ("Carprofen 50 mg", True)
    ]
    # Patient alerts are for doctors: the owner's record shows none.
    assert "Bites" not in response.content.decode()


def test_a_care_item_never_given_is_listed_as_never(client, token, pet, rabies):
    body = call(client, "get", record_url(pet), token).json()

    assert {"item": "Rabies", "status": "never"}.items() <= next(
        row for row in body["care"] if row["item"] == "Rabies"
    ).items()


def test_another_customers_pet_record_is_404(client, token, other_customer):
    theirs = PetFactory(owner=other_customer)

    response = call(client, "get", record_url(theirs), token)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_record_costs_the_same_queries_for_1_and_20_rows(
    client, token, pet, rabies, doctor
):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert call(client, "get", record_url(pet), token).status_code == 200
        return len(captured)

    CareDoseFactory(pet=pet, item=rabies, vet=doctor)
    PrescriptionFactory(pet=pet, vet=doctor)
    one = queries()
    for n in range(20):
        CareDoseFactory(pet=pet, item=rabies, vet=doctor)
        PrescriptionFactory(pet=pet, vet=doctor, drug=f"Drug {n}")
        WeightEntry.objects.create(
            pet=pet, weight_kg="12", source="owner", recorded_by=pet.owner
        )
    assert queries() == one
