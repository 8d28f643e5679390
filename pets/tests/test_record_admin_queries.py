"""The pet's admin page reads the record in the same number of queries
whatever its length."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from pets.models import CareItem, Pet, PetDocument, RefillRequest, WeightEntry
from pets.record import alerts
from pets.tests.factories import PetFactory
from pets.tests.record_factories import CareDoseFactory, PrescriptionFactory


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_the_pets_admin_page_runs_the_same_queries_for_1_and_50_entries(
    doctor_client, doctor, customer, django_assert_num_queries, count
):
    pet = PetFactory(owner=customer, species="dog")
    rabies = CareItem.objects.get(species="dog", name="Rabies")
    for day in range(count):
        given_on = datetime.date(2020, 1, 1) + datetime.timedelta(days=day)
        CareDoseFactory(pet=pet, item=rabies, vet=doctor, given_on=given_on)
        WeightEntry.objects.create(
            pet=pet, weight_kg="30", source="doctor", recorded_by=doctor
        )
        prescription = PrescriptionFactory(pet=pet, vet=doctor)
        RefillRequest.objects.create(prescription=prescription, requested_by=customer)
        alerts.alert_set(pet=pet, by=doctor, kind="other", text=f"Alert {day}")
        PetDocument.objects.create(
            pet=pet,
            title=f"Result {day}",
            file=f"documents/{day}.pdf",
            content_type="application/pdf",
            size=1000,
            uploaded_by=doctor,
        )

    # Django caches content types per process: read it before measuring, so
    # that the first test of a run counts the same as the others.
    ContentType.objects.get_for_model(Pet)

    # Each inline reads its rows once, and its select options once.
    with django_assert_num_queries(25):  # and the access log's INSERT
        response = doctor_client.get(reverse("admin:pets_pet_change", args=[pet.pk]))

    assert response.status_code == 200
    assert response.content.decode().count('name="care_doses-') > count
