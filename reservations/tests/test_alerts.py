"""A pet's alerts where doctors see the pet: its visit's page and the queue."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pets.record import alerts
from pets.tests.factories import PetFactory
from reservations.models import State
from reservations.selectors import today_summary
from reservations.tests.factories import make_front_desk, make_visit

QUEUE = reverse("admin:reservations_queue")


@pytest.fixture
def visit(customer, doctor):
    pet = PetFactory(owner=customer, name="Rex")
    alerts.alert_set(pet=pet, by=doctor, kind="aggressive", text="Bites when held.")
    cleared = alerts.alert_set(pet=pet, by=doctor, kind="other", text="Old alert.")
    alerts.alert_clear(alert=cleared, by=doctor)
    return make_visit(pet, state=State.CHECKED_IN)


@pytest.fixture
def desk_client(client):
    client.force_login(make_front_desk())
    return client


def visit_page(client, visit):
    url = reverse("admin:reservations_reservation_change", args=[visit.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_doctor_sees_the_pets_active_alerts_on_the_visit_page(doctor_client, visit):
    html = visit_page(doctor_client, visit)

    assert 'class="patient-alert patient-alert-aggressive"' in html
    assert "Bites when held." in html
    assert "Old alert." not in html
    assert "css/pets/alerts.css" in html


@pytest.mark.django_db
def test_the_front_desk_sees_no_alert_on_the_visit_page(desk_client, visit):
    html = visit_page(desk_client, visit)

    assert "Bites when held." not in html
    assert "patient-alert" not in html


@pytest.mark.django_db
def test_the_doctor_sees_a_marker_in_the_pets_queue_row(doctor_client, visit):
    html = doctor_client.get(QUEUE).content.decode()

    row = html.split(f'id="queue-visit-{visit.pk}"')[1].split("</tr>")[0]
    assert 'class="patient-alert-marker patient-alert-aggressive"' in row
    assert 'title="Bites when held."' in row
    assert "Old alert." not in html


@pytest.mark.django_db
def test_the_front_desk_sees_no_marker_in_the_queue(desk_client, visit):
    response = desk_client.get(QUEUE)

    assert response.status_code == 200
    assert "Bites when held." not in response.content.decode()
    assert "data-patient-alert" not in response.content.decode()


def queue_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(QUEUE).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_queue_with_alerts_costs_the_same_for_one_pet_or_many(
    doctor_client, customer, doctor, visit
):
    one = queue_queries(doctor_client)
    for n in range(5):
        pet = PetFactory(owner=customer, name=f"Pet {n}")
        alerts.alert_set(pet=pet, by=doctor, kind="allergy", text=f"Allergy {n}")
        alerts.alert_set(pet=pet, by=doctor, kind="chronic", text=f"Chronic {n}")
        make_visit(pet, state=State.CHECKED_IN)

    assert queue_queries(doctor_client) == one
    assert doctor_client.get(QUEUE).content.decode().count("data-patient-alert") == 11


@pytest.mark.django_db
def test_the_doctor_sees_a_marker_in_the_today_panel_row(doctor_client, visit):
    html = doctor_client.get(reverse("admin:index")).content.decode()

    row = html.split(f'id="today-visit-{visit.pk}"')[1].split("</tr>")[0]
    assert 'class="patient-alert-marker patient-alert-aggressive"' in row
    assert 'title="Bites when held."' in row
    assert "Old alert." not in html


@pytest.mark.django_db
def test_the_front_desk_sees_no_marker_in_the_today_panel(desk_client, visit):
    html = desk_client.get(reverse("admin:index")).content.decode()

    assert f'id="today-visit-{visit.pk}"' in html
    assert "Bites when held." not in html
    assert "data-patient-alert" not in html


@pytest.mark.django_db
def test_today_summary_with_alerts_reads_five_queries_whatever_the_day_holds(
    customer, doctor, visit, django_assert_num_queries
):
    for n in range(5):
        pet = PetFactory(owner=customer, name=f"Pet {n}")
        alerts.alert_set(pet=pet, by=doctor, kind="allergy", text=f"Allergy {n}")
        make_visit(pet, state=State.CHECKED_IN)

    with django_assert_num_queries(5):
        queue = today_summary(with_alerts=True).queue

    assert sum(len(visit.pet.active_alerts) for visit in queue) == 6


# --- the visit list (the reservations changelist) ----------------------------------

VISITS = reverse("admin:reservations_reservation_changelist")


def visit_list(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(VISITS)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


@pytest.mark.django_db
def test_the_doctor_sees_the_pets_alerts_as_badges_in_the_visit_list(
    doctor_client, visit
):
    html, _queries = visit_list(doctor_client)

    row = html.split(f"/reservation/{visit.pk}/change/")[1].split("</tr>")[0]
    assert 'class="patient-alert-marker patient-alert-aggressive"' in row
    assert 'title="Bites when held."' in row
    assert "Old alert." not in html
    assert "css/pets/alerts.css" in html


@pytest.mark.django_db
def test_the_front_desk_sees_no_badge_in_the_visit_list(desk_client, visit):
    html, _queries = visit_list(desk_client)

    assert f"/reservation/{visit.pk}/change/" in html
    assert "Bites when held." not in html
    assert "data-patient-alert" not in html


@pytest.mark.django_db
def test_the_visit_list_with_alerts_costs_the_same_for_one_row_or_many(
    doctor_client, customer, doctor, visit
):
    _html, one = visit_list(doctor_client)
    for n in range(6):
        pet = PetFactory(owner=customer, name=f"Pet {n}")
        alerts.alert_set(pet=pet, by=doctor, kind="allergy", text=f"Allergy {n}")
        alerts.alert_set(pet=pet, by=doctor, kind="chronic", text=f"Chronic {n}")
        make_visit(pet, state=State.CHECKED_IN)

    html, many = visit_list(doctor_client)

    assert many == one
    assert html.count("data-patient-alert") == 13


# --- the public site's visit and pet pages, which doctors can open too -------------


def public_page(client, url):
    client.get(url)  # a first opening may write read marks
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


def public_urls(visit):
    return [
        reverse("reservations:detail", args=[visit.pk]),
        reverse("pets:detail", args=[visit.pet_id]),
    ]


@pytest.mark.django_db
def test_the_doctor_sees_the_pets_alerts_on_the_public_visit_and_pet_pages(
    doctor_client, visit
):
    for url in public_urls(visit):
        response, _queries = public_page(doctor_client, url)

        html = response.content.decode()
        assert response.status_code == 200, url
        assert 'class="patient-alert patient-alert-aggressive"' in html, url
        assert "Bites when held." in html
        assert "Old alert." not in html
        assert "css/pets/alerts.css" in html


@pytest.mark.django_db
def test_the_owner_sees_no_alert_on_the_visit_and_pet_pages(client, customer, visit):
    client.force_login(customer)
    for url in public_urls(visit):
        response, _queries = public_page(client, url)

        html = response.content.decode()
        assert response.status_code == 200, url
        assert "Bites when held." not in html
        assert 'data-testid="patient-alerts"' not in html
        assert "css/pets/alerts.css" not in html


@pytest.mark.django_db
def test_the_front_desk_gets_no_alert_from_the_public_pages(desk_client, visit):
    for url in public_urls(visit):
        response, _queries = public_page(desk_client, url)

        assert response.status_code == 404, url
        assert "Bites when held." not in response.content.decode()


@pytest.mark.django_db
def test_the_public_pages_read_the_alerts_in_one_query_however_many(
    doctor_client, customer, doctor, visit
):
    quiet = make_visit(PetFactory(owner=customer, name="Quiet"), state=State.CHECKED_IN)
    for url, quiet_url in zip(public_urls(visit), public_urls(quiet), strict=True):
        _response, without = public_page(doctor_client, quiet_url)
        _response, one = public_page(doctor_client, url)
        for n in range(5):
            alerts.alert_set(pet=visit.pet, by=doctor, kind="chronic", text=f"C{n}")

        response, many = public_page(doctor_client, url)

        assert many == one <= without + 1, url
        assert response.content.decode().count('class="patient-alert ') >= 6
