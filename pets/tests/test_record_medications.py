"""Prescriptions and the owners' refill requests."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Notification
from accounts.tests.factories import DoctorFactory
from pets.models import Prescription, RefillRequest
from pets.record import medications
from pets.record.medications import (
    PRESCRIBER_ERROR,
    REFILL_DECIDED_ERROR,
    REFILL_NOT_ACTIVE_ERROR,
    REFILL_PENDING_ERROR,
)
from pets.tests.factories import PetFactory
from pets.tests.record_factories import TODAY, PrescriptionFactory
from pets.tests.test_admin import inline_management, pet_fields

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def pet(customer):
    return PetFactory(owner=customer, name="Rex")


@pytest.fixture
def prescription(pet, doctor):
    return PrescriptionFactory(pet=pet, vet=doctor, start_date=TODAY)


def page(client, pet, tab="medications"):
    return client.get(reverse("pets:detail", args=[pet.pk]) + f"?record={tab}")


def refill_url(prescription):
    return reverse("pets:refill-request", args=[prescription.pet_id, prescription.pk])


# --- prescribing --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_prescription_with_a_duration_ends_on_its_last_day(pet, doctor, customer):
    prescription = medications.prescription_create(
        pet=pet,
        vet=doctor,
        drug="Amoxicillin 250 mg",
        dose="1 tablet",
        frequency="twice a day",
        start_date=TODAY,
        duration_days=10,
    )

    assert prescription.ends_on == datetime.date(2026, 6, 24)
    assert prescription.is_active(datetime.date(2026, 6, 24))
    assert not prescription.is_active(datetime.date(2026, 6, 25))
    notification = Notification.objects.get(recipient=customer)
    assert notification.text == "New prescription for Rex: Amoxicillin 250 mg."


@pytest.mark.django_db
def test_only_a_doctor_prescribes(pet, other_customer):
    with pytest.raises(ValidationError) as error:
        medications.prescription_create(
            pet=pet,
            vet=other_customer,
            drug="X",
            dose="1",
            frequency="daily",
            start_date=TODAY,
        )

    assert str(PRESCRIBER_ERROR) in error.value.messages


@pytest.mark.django_db
def test_a_doctor_prescribes_from_the_pets_page(doctor_client, doctor, pet):
    data = {
        **pet_fields(pet),
        **inline_management(),
        "prescriptions-TOTAL_FORMS": "1",
        "prescriptions-0-drug": "Carprofen 50 mg",
        "prescriptions-0-dose": "1 tablet",
        "prescriptions-0-frequency": "twice a day",
        "prescriptions-0-duration_days": "7",
        "prescriptions-0-instructions": "With food.",
        "prescriptions-0-start_date": TODAY.isoformat(),
        "prescriptions-0-vet": str(doctor.pk),
    }

    response = doctor_client.post(reverse("admin:pets_pet_change", args=[pet.pk]), data)

    assert response.status_code == 302
    prescription = Prescription.objects.get()
    assert (prescription.drug, prescription.vet) == ("Carprofen 50 mg", doctor)
    assert prescription.ends_on == datetime.date(2026, 6, 21)
    assert prescription.recorded_by == doctor


@pytest.mark.django_db
def test_a_prescription_typed_for_a_colleague_records_who_typed_it(
    doctor_client, doctor, pet
):
    colleague = DoctorFactory(username="dr_wang", display_name="Dr Wang")
    data = {
        **pet_fields(pet),
        **inline_management(),
        "prescriptions-TOTAL_FORMS": "1",
        "prescriptions-0-drug": "Meloxicam",
        "prescriptions-0-dose": "0.5 ml",
        "prescriptions-0-frequency": "daily",
        "prescriptions-0-start_date": TODAY.isoformat(),
        "prescriptions-0-vet": str(colleague.pk),
    }

    doctor_client.post(reverse("admin:pets_pet_change", args=[pet.pk]), data)

    prescription = Prescription.objects.get()
    assert (prescription.vet, prescription.recorded_by) == (colleague, doctor)
    html = doctor_client.get(reverse("admin:pets_pet_change", args=[pet.pk]))
    assert re.search(
        r'field-recorded_by">.*?<div class="readonly"><a href="[^"]*">' + doctor.name,
        html.content.decode(),
        re.S,
    )


# --- the owner's view ---------------------------------------------------------------


@pytest.mark.django_db
def test_active_medications_are_shown_above_every_tab(
    customer_client, pet, prescription
):
    for tab in ("timeline", "care", "weight", "documents", "sharing"):
        html = page(customer_client, pet, tab=tab).content.decode()

        banner = html.split('data-testid="active-medications"')[1].split("</div>")[0]
        assert "Carprofen 50 mg (1 tablet, twice a day with food)" in banner, tab
        # The owner's instructions too, as the doctor wrote them.
        assert "Give with a meal; stop and call us if he vomits." in banner, tab


@pytest.mark.django_db
def test_the_medications_tab_shows_instructions_and_past_ones(
    customer_client, pet, prescription, doctor
):
    PrescriptionFactory(
        pet=pet,
        vet=doctor,
        drug="Old drug",
        start_date=datetime.date(2026, 1, 1),
        stopped_on=datetime.date(2026, 2, 1),
    )

    response = page(customer_client, pet)

    html = response.content.decode()
    assert [p.drug for p in response.context["active_prescriptions"]] == [
        "Carprofen 50 mg"
    ]
    assert [p.drug for p in response.context["past_prescriptions"]] == ["Old drug"]
    assert "Give with a meal; stop and call us if he vomits." in html
    assert 'data-testid="refill-form"' in html


@pytest.mark.django_db
def test_the_owner_asks_for_an_urgent_refill(customer_client, customer, prescription):
    response = customer_client.post(
        refill_url(prescription), {"urgent": "on", "note": "Two tablets left."}
    )

    assert response.status_code == 302
    refill = RefillRequest.objects.get()
    assert (refill.urgent, refill.note, refill.requested_by) == (
        True,
        "Two tablets left.",
        customer,
    )
    html = page(customer_client, prescription.pet).content.decode()
    assert "Waiting for a doctor" in html
    assert 'data-testid="refill-form"' not in html


@pytest.mark.django_db
def test_one_waiting_request_per_medication(prescription, customer):
    medications.refill_request(prescription=prescription, by=customer)

    with pytest.raises(ValidationError) as error:
        medications.refill_request(prescription=prescription, by=customer)

    assert str(REFILL_PENDING_ERROR) in error.value.messages
    assert RefillRequest.objects.count() == 1


@pytest.mark.django_db
def test_no_refill_of_a_finished_medication(customer_client, prescription):
    prescription.start_date = TODAY - datetime.timedelta(days=10)
    prescription.save()
    medications.prescription_stop(
        prescription=prescription, on=TODAY - datetime.timedelta(days=1)
    )

    response = customer_client.post(refill_url(prescription), {}, follow=True)

    assert str(REFILL_NOT_ACTIVE_ERROR) in response.content.decode()
    assert not RefillRequest.objects.exists()


@pytest.mark.django_db
def test_another_customer_gets_404_on_the_medications(
    client, other_customer, prescription
):
    client.force_login(other_customer)

    assert page(client, prescription.pet).status_code == 404
    assert client.post(refill_url(prescription), {}).status_code == 404
    assert not RefillRequest.objects.exists()


@pytest.mark.django_db
def test_a_prescription_of_another_pet_is_404(customer_client, customer, prescription):
    mine = PetFactory(owner=customer)
    url = reverse("pets:refill-request", args=[mine.pk, prescription.pk])

    assert customer_client.post(url, {}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_the_medications_tab_runs_the_same_queries_for_1_and_50_prescriptions(
    customer_client, customer, pet, doctor, django_assert_num_queries, count
):
    for prescription in PrescriptionFactory.create_batch(count, pet=pet, vet=doctor):
        RefillRequest.objects.create(prescription=prescription, requested_by=customer)

    # session, user, pet, notes, visits, prescriptions, refills, unread bell,
    # unread consultations
    with django_assert_num_queries(9):
        response = page(customer_client, pet)

    assert len(response.context["active_prescriptions"]) == count


@pytest.mark.django_db
def test_the_timeline_tab_with_its_active_medications_costs_the_same_for_1_and_50(
    customer_client, pet, doctor
):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = page(customer_client, pet, tab="timeline")
        assert response.status_code == 200
        return len(captured), len(response.context["active_prescriptions"])

    PrescriptionFactory(pet=pet, vet=doctor, start_date=TODAY)
    queries()  # the first page of a session reads a few things once
    one = queries()
    PrescriptionFactory.create_batch(49, pet=pet, vet=doctor, start_date=TODAY)

    assert queries() == (one[0], 50)


# --- the doctors' answer ------------------------------------------------------------


@pytest.mark.django_db
def test_doctors_see_urgent_requests_first_and_approve(
    doctor_client, doctor, customer, pet
):
    calm = RefillRequest.objects.create(
        prescription=PrescriptionFactory(pet=pet, vet=doctor, drug="Calm drug"),
        requested_by=customer,
    )
    urgent = RefillRequest.objects.create(
        prescription=PrescriptionFactory(pet=pet, vet=doctor, drug="Urgent drug"),
        requested_by=customer,
        urgent=True,
    )
    changelist = reverse("admin:pets_refillrequest_changelist")

    response = doctor_client.get(changelist)
    assert list(response.context["cl"].result_list) == [urgent, calm]

    doctor_client.post(
        changelist, {"action": "approve", "_selected_action": [urgent.pk]}
    )

    urgent.refresh_from_db()
    assert (urgent.status, urgent.decided_by) == ("approved", doctor)
    notification = Notification.objects.get(kind="refill_decided")
    assert notification.text == (
        "Refill of Urgent drug for Rex approved: collect it at the hospital."
    )
    # Answered requests leave the doctors' default list.
    assert list(doctor_client.get(changelist).context["cl"].result_list) == [calm]


@pytest.mark.django_db
def test_a_request_is_answered_once(prescription, customer, doctor):
    refill = medications.refill_request(prescription=prescription, by=customer)
    medications.refill_decide(refill=refill, by=doctor, approve=False)

    with pytest.raises(ValidationError) as error:
        medications.refill_decide(refill=refill, by=doctor, approve=True)

    assert str(REFILL_DECIDED_ERROR) in error.value.messages
    refill.refresh_from_db()
    assert refill.status == "declined"


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_the_refill_list_runs_the_same_queries_for_1_and_50_requests(
    doctor_client, doctor, customer, pet, django_assert_num_queries, count
):
    for prescription in PrescriptionFactory.create_batch(count, pet=pet, vet=doctor):
        RefillRequest.objects.create(prescription=prescription, requested_by=customer)
    changelist = reverse("admin:pets_refillrequest_changelist")
    doctor_client.get(changelist)  # the process's caches (content types)

    # ... and the access log's one INSERT of the pets shown (accounts/access_log.py);
    # the doctor's groups and permissions are one query (accounts.roles.load_roles)
    with django_assert_num_queries(7):
        response = doctor_client.get(changelist)

    assert len(response.context["cl"].result_list) == count
