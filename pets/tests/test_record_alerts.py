"""Patient alerts on the pet's admin page."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.tests.factories import UserFactory
from pets.models import PatientAlert
from pets.record import alerts
from pets.record.alerts import ALERT_BY_DOCTOR_ERROR
from pets.tests.factories import PetFactory
from pets.tests.test_admin import inline_management, pet_fields


@pytest.fixture
def pet(customer):
    return PetFactory(
        owner=customer,
        name="Rex",
        notes="Eats everything. Allergic to penicillin! 对鸡肉过敏。",
    )


def change_url(pet):
    return reverse("admin:pets_pet_change", args=[pet.pk])


@pytest.mark.django_db
def test_the_banner_shows_active_alerts_in_their_colour(doctor_client, doctor, pet):
    alerts.alert_set(pet=pet, by=doctor, kind="aggressive", text="Bites when held.")
    cleared = alerts.alert_set(pet=pet, by=doctor, kind="other", text="Old alert.")
    alerts.alert_clear(alert=cleared, by=doctor)

    html = doctor_client.get(change_url(pet)).content.decode()

    assert 'class="patient-alert patient-alert-aggressive"' in html
    assert "Bites when held." in html
    assert "Old alert." not in html
    assert "css/pets/alerts.css" in html


@pytest.mark.django_db
def test_allergies_in_the_owners_notes_are_offered_once(doctor_client, doctor, pet):
    html = doctor_client.get(change_url(pet)).content.decode()
    assert "The owner's notes mention an allergy: “Allergic to penicillin!”" in html
    assert "对鸡肉过敏。" in html
    assert "Eats everything." not in html.split('data-testid="patient-alerts"')[1][:800]

    response = doctor_client.post(
        reverse("admin:pets_pet_confirm_allergy", args=[pet.pk]),
        {"text": "Allergic to penicillin!"},
    )

    assert response.status_code == 302
    alert = PatientAlert.objects.get()
    assert (alert.kind, alert.text, alert.set_by) == (
        "allergy",
        "Allergic to penicillin!",
        doctor,
    )
    html = doctor_client.get(change_url(pet)).content.decode()
    assert "mention an allergy: “Allergic to penicillin!”" not in html
    assert "mention an allergy: “对鸡肉过敏。”" in html


@pytest.mark.django_db
def test_only_sentences_of_the_notes_can_be_confirmed(doctor_client, pet):
    doctor_client.post(
        reverse("admin:pets_pet_confirm_allergy", args=[pet.pk]),
        {"text": "Allergic to everything the doctor typed"},
    )

    assert not PatientAlert.objects.exists()


@pytest.mark.django_db
def test_a_doctor_sets_and_clears_an_alert_on_the_pets_page(doctor_client, doctor, pet):
    url = change_url(pet)
    data = {
        **pet_fields(pet),
        **inline_management(),
        "alerts-TOTAL_FORMS": "1",
        "alerts-0-kind": "chronic",
        "alerts-0-text": "Diabetic: insulin twice a day.",
    }
    assert doctor_client.post(url, data).status_code == 302
    alert = PatientAlert.objects.get()
    assert alert.set_by == doctor

    data = {
        **pet_fields(pet),
        **inline_management(),
        "alerts-TOTAL_FORMS": "1",
        "alerts-INITIAL_FORMS": "1",
        "alerts-0-id": str(alert.pk),
        "alerts-0-pet": str(pet.pk),
        "alerts-0-clear": "on",
    }
    assert doctor_client.post(url, data).status_code == 302

    alert.refresh_from_db()
    assert alert.cleared_by == doctor
    assert alert.cleared_at is not None


@pytest.mark.django_db
def test_only_doctors_set_alerts(pet, customer):
    with pytest.raises(ValidationError) as error:
        alerts.alert_set(pet=pet, by=customer, kind="other", text="x")

    assert str(ALERT_BY_DOCTOR_ERROR) in error.value.messages


@pytest.mark.django_db
def test_customers_never_reach_the_confirm_button(customer_client, pet):
    response = customer_client.post(
        reverse("admin:pets_pet_confirm_allergy", args=[pet.pk]),
        {"text": "Allergic to penicillin!"},
    )

    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert not PatientAlert.objects.exists()


@pytest.mark.django_db
def test_the_front_desk_opens_the_pet_without_its_medical_alerts(client, doctor, pet):
    alerts.alert_set(
        pet=pet, by=doctor, kind="chronic", text="Epilepsy, on phenobarbital."
    )
    desk = UserFactory(username="reception", is_staff=True)
    desk.groups.add(Group.objects.get(name="Front desk"))
    client.force_login(desk)

    response = client.get(change_url(pet))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Epilepsy" not in html
    assert "The owner's notes mention an allergy" not in html
