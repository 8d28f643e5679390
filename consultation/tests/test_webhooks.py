"""consultation.message_created: sent with the message, in its transaction."""

import json

import pytest
from django.core.exceptions import ValidationError

from consultation.services import message_post, thread_close
from consultation.tests.factories import ThreadFactory
from core.integration_models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint():
    return WebhookEndpoint.objects.create(
        name="Hub",
        url="https://hooks.example.com/",
        events=["consultation.message_created"],
        secret="whsec_test",
    )


def sent():
    return [json.loads(d.body) for d in WebhookDelivery.objects.order_by("pk")]


def test_a_message_is_sent_to_the_subscribed_endpoint(endpoint, customer, doctor):
    thread = ThreadFactory(customer=customer, subject="Sneezing")

    asked = message_post(thread=thread, sender=customer, text="Still sneezing.")
    answered = message_post(thread=thread, sender=doctor, text="Come in today.")

    first, second = sent()
    assert first["event"] == "consultation.message_created"
    assert first["data"]["thread"] == {
        "id": thread.pk,
        "subject": "Sneezing",
        "pet_id": thread.pet_id,
        "customer_id": customer.pk,
    }
    assert first["data"]["message"]["id"] == asked.pk
    assert first["data"]["message"]["from"] == "customer"
    assert first["data"]["message"]["text"] == "Still sneezing."
    assert second["data"]["message"]["id"] == answered.pk
    assert second["data"]["message"]["from"] == "doctor"


def test_a_refused_message_sends_nothing(endpoint, customer, doctor):
    thread = ThreadFactory(customer=customer)
    thread_close(thread=thread, by=doctor)

    with pytest.raises(ValidationError):
        message_post(thread=thread, sender=customer, text="Hello?")

    assert not WebhookDelivery.objects.exists()
