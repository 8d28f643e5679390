"""Weight history: doctors weigh in the dashboard, owners report at home."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pets.models import Pet, WeightEntry
from pets.record import weights
from pets.record.weights import WEIGHED_IN_FUTURE_ERROR
from pets.tests.factories import PetFactory
from pets.tests.record_factories import TODAY
from pets.tests.test_admin import inline_management, pet_fields

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def pet(customer):
    return PetFactory(owner=customer, name="Rex", birth_date=datetime.date(2023, 1, 1))


def weigh(pet, by, kg, days_ago=0, source="doctor"):
    return weights.weight_record(
        pet=pet,
        weight_kg=Decimal(kg),
        weighed_on=TODAY - datetime.timedelta(days=days_ago),
        by=by,
        source=source,
    )


def weight_page(client, pet):
    return client.get(reverse("pets:detail", args=[pet.pk]) + "?record=weight")


@pytest.mark.django_db
def test_the_newest_weighing_is_the_pets_weight(pet, doctor):
    weigh(pet, doctor, "30.5", days_ago=10)
    weigh(pet, doctor, "29.0", days_ago=40)  # an older one, entered late

    assert Pet.objects.get(pk=pet.pk).weight_kg == Decimal("30.5")


@pytest.mark.django_db
def test_a_weighing_in_the_future_is_refused(pet, doctor):
    with pytest.raises(ValidationError) as error:
        weigh(pet, doctor, "30", days_ago=-1)

    assert str(WEIGHED_IN_FUTURE_ERROR) in error.value.messages


@pytest.mark.django_db
def test_a_doctor_weighs_the_pet_on_its_admin_page(doctor_client, doctor, pet):
    data = {
        **pet_fields(pet),
        **inline_management(),
        "weights-TOTAL_FORMS": "1",
        "weights-0-weighed_on": TODAY.isoformat(),
        "weights-0-weight_kg": "31.2",
    }

    response = doctor_client.post(reverse("admin:pets_pet_change", args=[pet.pk]), data)

    assert response.status_code == 302
    entry = WeightEntry.objects.get()
    assert (entry.weight_kg, entry.source, entry.recorded_by) == (
        Decimal("31.2"),
        "doctor",
        doctor,
    )


@pytest.mark.django_db
def test_the_owner_reports_a_weight_at_home(customer_client, customer, pet):
    response = customer_client.post(
        reverse("pets:weight-report", args=[pet.pk]),
        {"weighed_on": TODAY.isoformat(), "weight_kg": "30.1"},
    )

    assert response.status_code == 302
    assert response["Location"].endswith("?record=weight#record")
    entry = WeightEntry.objects.get()
    assert (entry.source, entry.recorded_by) == ("owner", customer)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("weighed_on", "kg", "error"),
    [
        ("2026-06-14", "0", "Enter a weight between 0.01 and 1000 kg."),
        ("2026-07-01", "3", "The date of a weighing cannot be in the future."),
        ("2022-12-31", "3", "The date of a weighing cannot be before the birth."),
    ],
)
def test_a_wrong_weight_is_explained_without_javascript(
    customer_client, pet, weighed_on, kg, error
):
    response = customer_client.post(
        reverse("pets:weight-report", args=[pet.pk]),
        {"weighed_on": weighed_on, "weight_kg": kg},
    )

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not WeightEntry.objects.exists()


@pytest.mark.django_db
def test_the_weight_tab_shows_a_table_with_the_owners_weighings_marked(
    customer_client, customer, doctor, pet
):
    weigh(pet, doctor, "29.5", days_ago=30)
    weigh(pet, customer, "30.25", days_ago=2, source="owner")

    html = weight_page(customer_client, pet).content.decode()

    assert 'data-kg="29.5" data-owner-reported="0"' in html
    assert 'data-kg="30.25" data-owner-reported="1"' in html
    assert "Reported by the owner" in html
    assert f"Weighed at the hospital by {doctor.name}" in html
    assert "vendor/chart.js/chart.umd.min.js" in html
    assert 'data-testid="weight-form"' in html


@pytest.mark.django_db
def test_doctors_see_the_chart_but_no_owners_form(doctor_client, doctor, pet):
    weigh(pet, doctor, "29.5")

    html = weight_page(doctor_client, pet).content.decode()

    assert 'data-kg="29.5"' in html
    assert 'data-testid="weight-form"' not in html


@pytest.mark.django_db
def test_another_customer_gets_404_on_the_weights(client, other_customer, doctor, pet):
    weigh(pet, doctor, "29.5")
    client.force_login(other_customer)

    assert weight_page(client, pet).status_code == 404
    response = client.post(
        reverse("pets:weight-report", args=[pet.pk]),
        {"weighed_on": TODAY.isoformat(), "weight_kg": "1"},
    )
    assert response.status_code == 404
    assert WeightEntry.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_the_weight_tab_runs_the_same_queries_for_1_and_50_weighings(
    customer_client, customer, doctor, pet, django_assert_num_queries, count
):
    for day in range(count):
        weigh(pet, doctor if day % 2 else customer, "30", day, "doctor")

    # session, user, pet, notes, visits, active medications, weights, unread
    # bell, unread consultations
    with django_assert_num_queries(9):
        response = weight_page(customer_client, pet)

    assert len(response.context["weights"]) == count


@pytest.mark.django_db
def test_an_owner_adds_at_most_five_weighings_a_day(customer_client, pet):
    url = reverse("pets:weight-report", args=[pet.pk])
    for kg in ("30.1", "30.2", "30.3", "30.4", "30.5"):
        response = customer_client.post(url, {"weighed_on": TODAY, "weight_kg": kg})
        assert response.status_code == 302

    response = customer_client.post(url, {"weighed_on": TODAY, "weight_kg": "30.6"})

    assert response.status_code == 400
    assert "You can add 5 weighings a day for a pet" in response.content.decode()
    assert WeightEntry.objects.count() == 5
