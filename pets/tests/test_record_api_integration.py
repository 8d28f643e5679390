"""A pet's record for an integration key with the records:read scope."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.api_keys import api_key_create
from core.integration_models import Scope
from pets.record.alert_models import PatientAlert
from pets.record.health_models import WeightEntry
from pets.tests.factories import PetFactory
from pets.tests.record_factories import CareDoseFactory, PrescriptionFactory

pytestmark = pytest.mark.django_db


def url(pet):
    return f"/api/v1/integration/pets/{pet.pk}/record/"


def get(address, key=None):
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {key}"} if key else {}
    return Client().get(address, **headers)


@pytest.fixture
def pet(customer):
    return PetFactory(owner=customer, name="Mochi", microchip_number="900123")


def _weigh(pet, days_ago, kg):
    WeightEntry.objects.create(
        pet=pet,
        weighed_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        weight_kg=Decimal(kg),
        source="owner",
        recorded_by=pet.owner,
    )


def test_a_records_key_reads_any_pets_record(pet, doctor):
    CareDoseFactory(pet=pet)
    PrescriptionFactory(pet=pet, drug="Meloxicam")
    _weigh(pet, 3, "4.10")
    PatientAlert.objects.create(
        pet=pet, kind="allergy", text="Penicillin", set_by=doctor
    )
    _row, key = api_key_create(name="Lab", scopes=[Scope.READ_RECORDS])

    response = get(url(pet), key)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["pet"]["name"] == "Mochi"
    assert body["pet"]["microchip_number"] == "900123"
    assert len(body["doses"]) == 1
    assert [p["drug"] for p in body["prescriptions"]] == ["Meloxicam"]
    assert [w["weight_kg"] for w in body["weights"]] == ["4.10"]
    assert [a["text"] for a in body["alerts"]] == ["Penicillin"]


def test_the_record_is_refused_without_the_scope_or_a_key(pet):
    _row, visits_key = api_key_create(name="Visits", scopes=[Scope.READ_VISITS])

    assert get(url(pet)).status_code == 401
    refused = get(url(pet), visits_key)
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"


def test_an_unknown_pet_is_404():
    _row, key = api_key_create(name="Lab", scopes=[Scope.READ_RECORDS])
    response = get("/api/v1/integration/pets/999999/record/", key)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_record_costs_the_same_queries_for_1_and_50_rows(pet):
    _row, key = api_key_create(name="Lab", scopes=[Scope.READ_RECORDS])
    get(url(pet), key)  # its first use writes last_used_at

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert get(url(pet), key).status_code == 200
        return len(captured)

    CareDoseFactory(pet=pet)
    PrescriptionFactory(pet=pet)
    _weigh(pet, 1, "4.00")
    one = queries()
    for day in range(2, 51):
        CareDoseFactory(pet=pet)
        PrescriptionFactory(pet=pet)
        _weigh(pet, day, "4.00")
    assert queries() == one
