"""Doctors hear of the owners' refill requests on their dashboard: the Today
panel counts those waiting (urgent ones apart) and redraws itself live."""

import re

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.sockets import (
    connected,
    doctor_after_a_flush,
    nothing_but_presence,
)
from pets.record import medications, notices
from pets.tests.factories import PetFactory
from pets.tests.record_factories import PrescriptionFactory
from reservations import realtime
from reservations.tests.factories import make_front_desk

INDEX = reverse("admin:index")
DASHBOARD = "/ws/dashboard/"


def ask(customer, doctor, *, urgent=False, pet=None):
    pet = pet or PetFactory(owner=customer)
    prescription = PrescriptionFactory(pet=pet, vet=doctor)
    return medications.refill_request(
        prescription=prescription, by=customer, urgent=urgent
    )


def refills_panel(html):
    start = html.index('data-testid="today-refills"')
    block = html[start : html.index("</div>", start)]
    return block, " ".join(re.sub(r"<[^>]+>", " ", block).split())


@pytest.mark.django_db
def test_the_today_panel_counts_the_refills_waiting_urgent_ones_marked(
    doctor_client, doctor, customer
):
    ask(customer, doctor, urgent=True)
    ask(customer, doctor)
    ask(customer, doctor)
    answered = ask(customer, doctor, urgent=True)
    medications.refill_decide(refill=answered, by=doctor, approve=True)

    response = doctor_client.get(INDEX)

    assert response.context["refills"] == {"waiting": 3, "urgent": 1}
    block, text = refills_panel(response.content.decode())
    assert "3 requests waiting" in text
    assert "1 urgent" in text
    assert 'class="today-count today-urgent"' in block
    assert reverse("admin:pets_refillrequest_changelist") in block


@pytest.mark.django_db
def test_no_refill_waiting_is_not_marked_urgent(doctor_client):
    response = doctor_client.get(INDEX)

    block, text = refills_panel(response.content.decode())
    assert "0 requests waiting" in text
    assert "today-urgent" not in block


@pytest.mark.django_db
def test_the_front_desk_sees_no_refill_count(client, doctor, customer):
    ask(customer, doctor, urgent=True)
    client.force_login(make_front_desk())

    response = client.get(INDEX)

    assert response.status_code == 200
    assert response.context["refills"] is None
    assert 'data-testid="today-refills"' not in response.content.decode()


def index_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(INDEX).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_refill_count_costs_the_same_queries_for_1_and_20(
    doctor_client, doctor, customer
):
    pet = PetFactory(owner=customer)
    ask(customer, doctor, pet=pet)
    index_queries(doctor_client)  # a session's first page reads a few things once
    one = index_queries(doctor_client)
    for n in range(19):
        ask(customer, doctor, pet=pet, urgent=n % 2 == 0)

    assert index_queries(doctor_client) == one
    assert doctor_client.get(INDEX).context["refills"] == {"waiting": 20, "urgent": 10}


def test_the_push_goes_to_the_doctors_dashboards_of_reservations():
    assert notices.DOCTORS_DASHBOARD_GROUP == realtime.DOCTORS_DASHBOARD_GROUP


async def _dashboard(user):
    communicator, greetings = await connected(DASHBOARD, user, greetings=1)
    assert greetings[0]["type"] == "presence"
    assert await nothing_but_presence(communicator)
    return communicator


def _customer_and_prescription():
    doctor = doctor_after_a_flush()
    pet = PetFactory()
    return pet.owner, PrescriptionFactory(pet=pet, vet=doctor), doctor


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_doctors_dashboard_hears_of_a_refill_asked_and_answered():
    owner, prescription, doctor = await sync_to_async(_customer_and_prescription)()
    # The desk first: the doctor's socket then hears no presence of it.
    desk = await _dashboard(await sync_to_async(make_front_desk)())
    dashboard = await _dashboard(doctor)

    refill = await sync_to_async(medications.refill_request)(
        prescription=prescription, by=owner, urgent=True
    )

    changed = {"type": "changed", "reasons": ["refill"], "days": []}
    assert await dashboard.receive_json_from(timeout=2) == changed
    await sync_to_async(medications.refill_decide)(
        refill=refill, by=doctor, approve=False
    )
    assert await dashboard.receive_json_from(timeout=2) == changed
    # The front desk's panel shows no refills: its socket is not told.
    assert await nothing_but_presence(desk)
    await dashboard.disconnect()
    await desk.disconnect()
