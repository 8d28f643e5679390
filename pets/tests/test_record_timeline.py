"""The record on the pet's timeline: doses, weighings, prescriptions started
and documents attached, beside the visits and the doctors' notes."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from pets.record.weights import weight_record
from pets.tests.record_factories import TODAY, CareDoseFactory, PrescriptionFactory
from pets.tests.test_record_documents import attach
from reservations.models import State
from reservations.tests.factories import make_visit

pytestmark = pytest.mark.usefixtures("frozen")


def timeline(client, pet):
    response = client.get(reverse("pets:detail", args=[pet.pk]) + "?record=timeline")
    assert response.status_code == 200
    return response


def kinds(response):
    return [entry.kind for entry in response.context["timeline"]]


@pytest.fixture
def record(pet, doctor, customer, rabies):
    """A dose, a weighing at home, a prescription, a document for the owner and
    one for doctors only."""
    return {
        "dose": CareDoseFactory(
            pet=pet, item=rabies, vet=doctor, batch_number="RB-2291"
        ),
        "weight": weight_record(
            pet=pet,
            weight_kg=Decimal("12.4"),
            weighed_on=datetime.date(2026, 3, 2),
            by=customer,
            source="owner",
        ),
        "prescription": PrescriptionFactory(
            pet=pet, vet=doctor, start_date=datetime.date(2026, 5, 1)
        ),
        "document": attach(pet, doctor, title="Blood panel"),
        "hidden": attach(pet, doctor, title="Referral letter", visible=False),
    }


@pytest.mark.django_db
def test_the_owner_sees_the_record_on_the_timeline(customer_client, pet, record):
    response = timeline(customer_client, pet)

    html = response.content.decode()
    dose = html.split('data-testid="timeline-dose"')[1].split("</p>")[0]
    assert "Dose given" in dose
    assert "Rabies" in dose
    assert "RB-2291" in dose
    assert "Next due" in dose
    weight = html.split('data-testid="timeline-weight"')[1].split("</p>")[0]
    assert "12.4 kg" in weight
    assert "Reported by the owner" in weight
    started = html.split('data-testid="timeline-prescription"')[1].split("</p>")[0]
    assert "Prescription started" in started
    assert "Carprofen 50 mg" in started
    document = html.split('data-testid="timeline-document"')[1].split("</p>")[0]
    document_url = reverse("pets:document", args=[pet.pk, record["document"].pk])
    assert "Blood panel" in document
    assert document_url in document


@pytest.mark.django_db
def test_documents_hidden_from_the_owner_stay_hidden_on_the_timeline(
    customer_client, pet, record
):
    response = timeline(customer_client, pet)

    html = response.content.decode()
    assert "Referral letter" not in html
    assert "Doctors only" not in html
    assert kinds(response).count("document") == 1


@pytest.mark.django_db
def test_doctors_see_every_document_marked_on_the_timeline(doctor_client, pet, record):
    response = timeline(doctor_client, pet)

    html = response.content.decode()
    hidden = html.split("Referral letter")[0].rsplit("<li", 1)[1]
    assert "Doctors only" in hidden
    assert kinds(response).count("document") == 2


@pytest.mark.django_db
def test_the_record_sits_on_its_days_newest_first(
    customer_client, pet, record, doctor, rabies
):
    visit = make_visit(pet, state=State.FINISHED)  # today at 10:00
    CareDoseFactory(pet=pet, item=rabies, vet=doctor, given_on=TODAY)

    response = timeline(customer_client, pet)

    # Recorded at noon (the frozen clock): today's dose and the document
    # follow today's visit; a past fact sits on its day, after its visits.
    entries = response.context["timeline"]
    assert sorted(kinds(response)[:2]) == ["document", "dose"]
    assert entries[2].visit == visit
    assert [entry.day for entry in entries[3:]] == [
        datetime.date(2026, 5, 1),
        datetime.date(2026, 3, 2),
        datetime.date(2026, 1, 10),
    ]
    assert kinds(response)[3:] == ["prescription", "weight", "dose"]


@pytest.mark.django_db
def test_other_tabs_do_not_read_the_records_timeline(customer_client, pet, record):
    response = customer_client.get(
        reverse("pets:detail", args=[pet.pk]) + "?record=care"
    )

    assert "dose" not in kinds(response)
    assert 'data-testid="timeline-dose"' not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_the_timeline_tab_runs_the_same_queries_for_1_and_50_of_each(
    customer_client, customer, pet, rabies, doctor, django_assert_num_queries, count
):
    CareDoseFactory.create_batch(count, pet=pet, item=rabies, vet=doctor)
    PrescriptionFactory.create_batch(count, pet=pet, vet=doctor, start_date=TODAY)
    for n in range(count):
        weight_record(
            pet=pet,
            weight_kg=Decimal("12.4"),
            weighed_on=TODAY - datetime.timedelta(days=n),
            by=doctor,
            source="doctor",
        )
    for n in range(count):
        attach(pet, doctor, title=f"Result {n}", visible=n % 2 == 0)

    # session, user, pet, notes, visits, prescriptions, doses, weights,
    # documents, unread bell, unread consultations
    with django_assert_num_queries(11):
        response = timeline(customer_client, pet)

    entries = kinds(response)
    assert entries.count("dose") == entries.count("prescription") == count
    assert entries.count("weight") == count
    assert entries.count("document") == (count + 1) // 2
    assert len(response.context["active_prescriptions"]) == count
