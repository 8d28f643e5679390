"""The visits' webhook events: booked, state changed, triaged, each sent in
the change's transaction with the visit's state (not the owner's words)."""

import json

import pytest
from django.core.exceptions import ValidationError

from core.integration_models import WebhookDelivery, WebhookEndpoint
from pets.tests.factories import PetFactory
from reservations import services
from reservations.states import State
from reservations.tests.factories import book

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint():
    return WebhookEndpoint.objects.create(
        name="Lab",
        url="https://hooks.example.com/",
        events=["visit.created", "visit.state_changed", "visit.triaged"],
        secret="whsec_test",
    )


def sent():
    return [json.loads(d.body) for d in WebhookDelivery.objects.order_by("pk")]


def test_a_visits_events_are_sent_with_its_state(endpoint, customer, doctor):
    pet = PetFactory(owner=customer, name="Mochi")
    visit = book(pet, symptoms="Limping since Monday.")
    services.reservation_transition(
        reservation=visit, to_state=State.CONFIRMED, by=doctor
    )
    services.reservation_triage(reservation=visit, triage="emergency", by=doctor)

    created, confirmed, triaged = sent()
    assert [created["event"], confirmed["event"], triaged["event"]] == [
        "visit.created",
        "visit.state_changed",
        "visit.triaged",
    ]
    visit_data = created["data"]["visit"]
    assert visit_data["id"] == visit.pk
    assert visit_data["pet"] == {"id": pet.pk, "name": "Mochi"}
    assert visit_data["owner_id"] == customer.pk
    assert visit_data["state"] == "requested"
    assert "Limping" not in json.dumps(created)  # the owner's words stay home
    assert confirmed["data"]["change"]["from"] == "requested"
    assert confirmed["data"]["change"]["to"] == "confirmed"
    assert confirmed["data"]["change"]["actor_id"] == doctor.pk
    assert confirmed["data"]["visit"]["state"] == "confirmed"
    assert triaged["data"]["change"]["to"] == "emergency"
    assert triaged["data"]["visit"]["triage"] == "emergency"
    assert len({body["id"] for body in (created, confirmed, triaged)}) == 3


def test_an_endpoint_gets_only_its_events(endpoint, customer, doctor):
    endpoint.events = ["visit.triaged"]
    endpoint.save()
    visit = book(PetFactory(owner=customer))
    services.reservation_transition(
        reservation=visit, to_state=State.CONFIRMED, by=doctor
    )
    assert sent() == []


def test_a_refused_change_sends_nothing(endpoint, customer, doctor):
    visit = book(PetFactory(owner=customer))
    WebhookDelivery.objects.all().delete()

    with pytest.raises(ValidationError):
        services.reservation_transition(
            reservation=visit, to_state=State.FINISHED, by=doctor
        )

    assert sent() == []
