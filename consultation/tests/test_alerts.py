"""A pet's alerts on the pages of a consultation about that pet: the admin's
and the public site's (doctors chat on both)."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
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


# --- the public site's chat page (/consultation/<id>/), where doctors chat -------


def chat_page(client, thread):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("consultation:detail", args=[thread.pk]))
    return response, len(queries)


@pytest.mark.django_db
def test_the_doctor_sees_the_pets_alerts_on_the_public_chat_page(
    doctor_client, customer, pet
):
    response, _queries = chat_page(
        doctor_client, ThreadFactory(customer=customer, pet=pet)
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="patient-alert patient-alert-allergy"' in html
    assert "Penicillin." in html
    assert "Old alert." not in html
    assert "css/pets/alerts.css" in html
    # Doctors confirm the owner's allergies in the dashboard, not here.
    assert "Confirm as an alert" not in html
    assert "js/consultation.js" in html


@pytest.mark.django_db
def test_the_customer_sees_no_alert_on_their_own_chat_page(
    customer_client, customer, pet
):
    response, _queries = chat_page(
        customer_client, ThreadFactory(customer=customer, pet=pet)
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Penicillin." not in html
    assert 'data-testid="patient-alerts"' not in html
    assert "css/pets/alerts.css" not in html


@pytest.mark.django_db
def test_the_front_desk_cannot_open_the_public_chat_page(client, customer, pet):
    client.force_login(make_front_desk())

    response, _queries = chat_page(client, ThreadFactory(customer=customer, pet=pet))

    assert response.status_code == 404
    assert "Penicillin." not in response.content.decode()


@pytest.mark.django_db
def test_the_public_chat_page_reads_the_alerts_in_one_query_however_many(
    doctor_client, customer, doctor, pet
):
    # Each page twice: a first opening also writes the doctor's read mark.
    no_pet = ThreadFactory(customer=customer)
    chat_page(doctor_client, no_pet)
    _response, without = chat_page(doctor_client, no_pet)
    thread = ThreadFactory(customer=customer, pet=pet)
    chat_page(doctor_client, thread)
    _response, one = chat_page(doctor_client, thread)
    for n in range(5):
        alerts.alert_set(pet=pet, by=doctor, kind="chronic", text=f"Chronic {n}")

    response, many = chat_page(doctor_client, thread)

    assert many == one <= without + 1
    assert response.content.decode().count('class="patient-alert ') == 6
