"""A pet's alerts on the admin page of a consultation about that pet."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from consultation.tests.factories import ThreadFactory
from pets.record import alerts
from pets.tests.factories import PetFactory
from reservations.tests.factories import make_front_desk


@pytest.fixture
def pet(customer, doctor):
    pet = PetFactory(owner=customer, name="Rex")
    alerts.alert_set(pet=pet, by=doctor, kind="allergy", text="Penicillin.")
    cleared = alerts.alert_set(pet=pet, by=doctor, kind="other", text="Old alert.")
    alerts.alert_clear(alert=cleared, by=doctor)
    return pet


def thread_page(client, thread):
    url = reverse("admin:consultation_thread_change", args=[thread.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_doctor_sees_the_pets_alerts_on_a_consultation_about_it(
    doctor_client, customer, pet
):
    html = thread_page(doctor_client, ThreadFactory(customer=customer, pet=pet))

    assert 'class="patient-alert patient-alert-allergy"' in html
    assert "Penicillin." in html
    assert "Old alert." not in html
    # This page is the doctor's live chat: consultation.js feeds its panel.
    assert "data-consultation" in html
    assert "js/consultation.js" in html


@pytest.mark.django_db
def test_a_consultation_about_no_pet_shows_no_alert(doctor_client, customer, pet):
    html = thread_page(doctor_client, ThreadFactory(customer=customer))

    assert "Penicillin." not in html
    assert 'data-testid="patient-alerts"' not in html


@pytest.mark.django_db
def test_staff_without_the_alert_permission_see_no_alert(client, customer, pet):
    desk = make_front_desk()
    desk.user_permissions.add(Permission.objects.get(codename="view_thread"))
    client.force_login(desk)

    html = thread_page(client, ThreadFactory(customer=customer, pet=pet))

    assert "Penicillin." not in html
    assert 'data-testid="patient-alerts"' not in html
