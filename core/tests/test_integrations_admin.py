"""Integration keys and webhook endpoints in the admin: operators only, the
key and the secret shown once, private addresses refused, keys revoked."""

import hashlib
import re
import socket

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages

from accounts.tests.factories import DoctorFactory
from core.api_keys import api_key_find
from core.integration_models import (
    ApiKey,
    DeliveryStatus,
    Scope,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

pytestmark = pytest.mark.django_db

KEYS = "/admin/core/apikey/"
ENDPOINTS = "/admin/core/webhookendpoint/"
DELIVERIES = "/admin/core/webhookdelivery/"


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser(
        "operator", "operator@healingpaws.example", "operator-password-77"
    )


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def shown(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_an_operator_makes_a_key_that_is_shown_once_and_stored_hashed(
    operator_client, operator
):
    doctor = DoctorFactory()
    response = operator_client.post(
        f"{KEYS}add/",
        {
            "name": "Lab system",
            "scopes": [Scope.READ_VISITS, Scope.WRITE_VISIT_STATE],
            "acts_as": doctor.pk,
        },
    )

    assert response.status_code == 200, response.content
    key = shown_once(response)
    row = ApiKey.objects.get()
    assert key.startswith(f"hp_{row.prefix}_")
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiKey.objects.values().get())
    assert (row.created_by, row.acts_as) == (operator, doctor)
    assert api_key_find(key) == row
    assert f'href="{KEYS}{row.pk}/change/"' in response.content.decode()
    assert_kept_nowhere(operator_client, response, key)
    assert key not in operator_client.get(KEYS).content.decode()
    page = operator_client.get(f"{KEYS}{row.pk}/change/")
    assert key not in page.content.decode()


def shown_once(response) -> str:
    """The one value the page shows, the page being uncached."""
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    [value] = re.findall(r'data-testid="shown-once">([^<]+)<', page)
    assert page.count(value) == 1
    return value


def assert_kept_nowhere(client, response, value):
    """Neither a cookie nor the session holds the value, nor a message."""
    assert all(value not in morsel.value for morsel in response.cookies.values())
    assert all(value not in morsel.value for morsel in client.cookies.values())
    assert value not in str(dict(client.session.items()))
    assert not [text for text in shown(response) if value in text]


def test_a_key_that_changes_states_needs_an_acting_account(operator_client):
    response = operator_client.post(
        f"{KEYS}add/", {"name": "Lab", "scopes": [Scope.WRITE_VISIT_STATE]}
    )
    assert response.status_code == 200
    assert "acts as a staff account" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_revoking_a_key_refuses_it_at_once(operator_client):
    from core.api_keys import api_key_create

    row, key = api_key_create(name="Lab", scopes=[Scope.READ_VISITS])
    operator_client.post(KEYS, {"action": "revoke", "_selected_action": [row.pk]})

    row.refresh_from_db()
    assert row.revoked_at is not None
    assert api_key_find(key) is None


def test_an_endpoint_on_a_private_address_is_refused(operator_client):
    response = operator_client.post(
        f"{ENDPOINTS}add/",
        {
            "name": "Inside",
            "url": "https://127.0.0.1/hooks",
            "events": ["visit.created"],
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "private network" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_gets_a_secret_shown_once(operator_client, monkeypatch):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))
        ],
    )
    response = operator_client.post(
        f"{ENDPOINTS}add/",
        {
            "name": "Lab",
            "url": "https://hooks.example.com/in",
            "events": ["visit.created", "visit.triaged"],
            "active": "on",
        },
    )

    assert response.status_code == 200, response.content
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["visit.created", "visit.triaged"]
    assert endpoint.secret.startswith("whsec_")
    assert shown_once(response) == endpoint.secret
    assert f'href="{ENDPOINTS}{endpoint.pk}/change/"' in response.content.decode()
    assert_kept_nowhere(operator_client, response, endpoint.secret)
    page = operator_client.get(f"{ENDPOINTS}{endpoint.pk}/change/")
    assert endpoint.secret not in page.content.decode()


def test_a_renewed_secret_is_shown_once_and_the_old_one_stops(operator_client):
    endpoint = WebhookEndpoint.objects.create(
        name="Lab", url="https://hooks.example.com/in", events=["visit.created"]
    )
    endpoint.secret = old = "whsec_old"
    endpoint.save()

    response = operator_client.post(
        ENDPOINTS, {"action": "renew_secret", "_selected_action": [endpoint.pk]}
    )

    endpoint.refresh_from_db()
    assert response.status_code == 200, response.content
    assert shown_once(response) == endpoint.secret != old
    assert_kept_nowhere(operator_client, response, endpoint.secret)
    page = operator_client.get(f"{ENDPOINTS}{endpoint.pk}/change/")
    assert endpoint.secret not in page.content.decode()


def test_doctors_see_neither_keys_nor_webhooks(client):
    doctor = DoctorFactory(is_superuser=False)
    client.force_login(doctor)
    for url in (KEYS, f"{KEYS}add/", ENDPOINTS, DELIVERIES):
        assert client.get(url).status_code == 403


def test_the_delivery_log_is_read_only(operator_client):
    endpoint = WebhookEndpoint.objects.create(
        name="Lab", url="https://hooks.example.com/", events=["visit.created"]
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="visit.created", webhook_id="wh_1", body="{}"
    )

    assert operator_client.get(DELIVERIES).status_code == 200
    assert operator_client.get(f"{DELIVERIES}{delivery.pk}/change/").status_code == 200
    assert operator_client.get(f"{DELIVERIES}add/").status_code == 403
    assert operator_client.post(f"{DELIVERIES}{delivery.pk}/delete/").status_code == 403


def test_the_delivery_log_lists_each_delivery_and_its_attempts(operator_client):
    endpoint = WebhookEndpoint.objects.create(
        name="Lab system", url="https://hooks.example.com/", events=["visit.created"]
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="visit.created",
        webhook_id="wh_listed",
        body='{"id":"wh_listed"}',
        status=DeliveryStatus.RETRYING,
        attempts=2,
        last_status_code=503,
        last_error="HTTP 503",
    )
    for number, status_code, error in ((1, 500, "HTTP 500"), (2, 503, "HTTP 503")):
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            status_code=status_code,
            duration_ms=40 + number,
            error=error,
        )

    listing = operator_client.get(DELIVERIES).content.decode()
    page = operator_client.get(f"{DELIVERIES}{delivery.pk}/change/").content.decode()

    assert "Lab system" in listing
    assert "visit.created" in listing
    assert "HTTP 503" in listing
    assert "wh_listed" in page
    # Each attempt is a row of the inline, with its answer and its time.
    for status_code, duration_ms, error in (
        (500, 41, "HTTP 500"),
        (503, 42, "HTTP 503"),
    ):
        row = re.search(
            rf"<tr[^>]*>(?:(?!</tr>).)*{error}(?:(?!</tr>).)*</tr>", page, re.S
        )
        assert row, error
        assert str(status_code) in row.group(0)
        assert str(duration_ms) in row.group(0)
