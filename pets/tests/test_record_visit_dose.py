"""A care dose recorded from a visit's page in the dashboard
(pets/record/visit_dose.py, shown by reservations' visit page)."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Notification
from accounts.tests.factories import DoctorFactory
from pets.models import CareDose, CareItem
from pets.tests.record_factories import TODAY
from reservations.models import State
from reservations.tests.factories import make_front_desk, make_visit

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def visit(pet):
    return make_visit(pet, state=State.CHECKED_IN)


@pytest.fixture
def rabies(db):
    return CareItem.objects.get(species="dog", name="Rabies")


def visit_url(visit):
    return reverse("admin:reservations_reservation_change", args=[visit.pk])


def record_url(pet):
    return reverse("admin:pets_pet_record_dose", args=[pet.pk])


def dose_post(client, visit, **fields):
    data = {
        "next": visit_url(visit),
        "dose-given_on": TODAY.isoformat(),
        "dose-batch_number": "",
        "dose-next_due": "",
        **{f"dose-{name}": value for name, value in fields.items()},
    }
    return client.post(record_url(visit.pet), data, follow=True)


@pytest.mark.django_db
def test_the_visit_page_offers_the_pets_items_for_today_by_the_doctor(
    doctor_client, doctor, visit, rabies
):
    response = doctor_client.get(visit_url(visit))

    html = response.content.decode()
    assert 'data-testid="visit-dose-form"' in html
    assert f'action="{record_url(visit.pet)}"' in html
    assert f'<option value="{rabies.pk}">Rabies</option>' in html
    assert "FVRCP" not in html  # a cat's vaccine
    assert f'value="{TODAY.isoformat()}"' in html
    assert f'<option value="{doctor.pk}" selected>' in html


@pytest.mark.django_db
def test_a_doctor_records_a_dose_from_the_visit_and_the_owner_is_told(
    doctor_client, doctor, visit, rabies
):
    response = dose_post(
        doctor_client, visit, item=rabies.pk, vet=doctor.pk, batch_number="RB-9"
    )

    assert response.redirect_chain[-1][0] == visit_url(visit)
    dose = CareDose.objects.get()
    assert (dose.pet, dose.item, dose.given_on) == (visit.pet, rabies, TODAY)
    assert (dose.vet, dose.recorded_by, dose.batch_number) == (doctor, doctor, "RB-9")
    assert dose.next_due == datetime.date(2027, 6, 15)  # rabies: yearly
    assert "Rabies recorded for Rex; next due" in response.content.decode()
    assert Notification.objects.filter(recipient=visit.pet.owner).count() == 1


@pytest.mark.django_db
def test_a_dose_from_the_visit_keeps_a_typed_next_due_and_a_colleague(
    doctor_client, doctor, visit, rabies
):
    colleague = DoctorFactory(username="dr_wang")

    dose_post(
        doctor_client,
        visit,
        item=rabies.pk,
        vet=colleague.pk,
        next_due="2029-06-15",
    )

    dose = CareDose.objects.get()
    assert (dose.vet, dose.recorded_by) == (colleague, doctor)
    assert dose.next_due == datetime.date(2029, 6, 15)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"next_due": "2026-06-01"}, "The next dose is due after the date given."),
        ({"given_on": "2026-07-01"}, "future"),
        ({"item": "cat"}, "Select a valid choice"),
        ({"item": ""}, "This field is required."),
    ],
)
@pytest.mark.django_db
def test_a_bad_dose_from_the_visit_is_a_clear_error_that_records_nothing(
    doctor_client, doctor, visit, rabies, fields, error
):
    if fields.get("item") == "cat":
        fields["item"] = CareItem.objects.get(species="cat", name="FVRCP").pk
    values = {"item": rabies.pk, "vet": doctor.pk, **fields}

    response = dose_post(doctor_client, visit, **values)

    assert response.redirect_chain[-1][0] == visit_url(visit)
    html = response.content.decode()
    assert "The dose was not recorded" in html
    assert error in html
    assert not CareDose.objects.exists()


@pytest.mark.django_db
def test_the_front_desk_gets_no_dose_form_and_cannot_post_one(client, visit, rabies):
    desk = make_front_desk()
    client.force_login(desk)

    html = client.get(visit_url(visit)).content.decode()
    response = client.post(
        record_url(visit.pet),
        {"dose-item": rabies.pk, "dose-given_on": TODAY.isoformat()},
    )

    assert 'data-testid="visit-dose-form"' not in html
    assert response.status_code == 403
    assert not CareDose.objects.exists()


@pytest.mark.django_db
def test_a_customer_cannot_reach_the_dose_url(customer_client, visit, rabies):
    response = customer_client.post(
        record_url(visit.pet), {"dose-item": rabies.pk}, follow=False
    )

    assert response.status_code == 302  # to the admin's sign-in page
    assert "/login/" in response["Location"]
    assert not CareDose.objects.exists()


@pytest.mark.django_db
def test_an_unknown_pet_is_404_and_a_foreign_next_is_ignored(
    doctor_client, doctor, visit, rabies
):
    missing = doctor_client.post(reverse("admin:pets_pet_record_dose", args=[999999]))
    response = doctor_client.post(
        record_url(visit.pet),
        {
            "next": "https://evil.example/",
            "dose-item": rabies.pk,
            "dose-vet": doctor.pk,
            "dose-given_on": TODAY.isoformat(),
        },
    )

    assert missing.status_code == 404
    assert response["Location"] == reverse("admin:pets_pet_change", args=[visit.pet.pk])


@pytest.mark.django_db
def test_a_get_records_nothing(doctor_client, visit):
    assert doctor_client.get(record_url(visit.pet)).status_code == 405
