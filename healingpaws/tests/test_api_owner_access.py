"""Who may call the owner endpoints of visits, slots, consultations,
notifications and the record: an anonymous caller gets 401 and a staff
account's token that passed no second factor 403, each in the one error
shape, and nothing changes; the schema documents every one of them."""

import pytest

from accounts.api_auth import STAFF_REFUSED_MESSAGE
from accounts.tests.api import app_login, call

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("get", "/api/v1/slots/"),
    ("get", "/api/v1/visit-types/"),
    ("get", "/api/v1/visits/"),
    ("post", "/api/v1/visits/"),
    ("get", "/api/v1/visits/1/"),
    ("patch", "/api/v1/visits/1/"),
    ("post", "/api/v1/visits/1/cancel/"),
    ("post", "/api/v1/visits/1/pickup/"),
    ("get", "/api/v1/consultations/"),
    ("post", "/api/v1/consultations/"),
    ("get", "/api/v1/consultations/1/"),
    ("get", "/api/v1/consultations/1/messages/"),
    ("post", "/api/v1/consultations/1/messages/"),
    ("post", "/api/v1/consultations/1/read/"),
    ("get", "/api/v1/consultations/1/messages/1/photo/"),
    ("get", "/api/v1/notifications/"),
    ("post", "/api/v1/notifications/1/read/"),
    ("post", "/api/v1/notifications/read-all/"),
    ("get", "/api/v1/notifications/unread-count/"),
    ("get", "/api/v1/pets/1/record/"),
]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_anonymous_callers_get_401(client, method, url):
    response = call(client, method, url, data={} if method != "get" else None)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_staff_get_403(client, customer, method, url, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True  # and no second factor passed
    token = app_login(client, customer)
    customer.is_staff = True  # became staff after the app signed in
    customer.save(update_fields=["is_staff"])

    response = call(client, method, url, token, {} if method != "get" else None)

    assert response.status_code == 403
    assert response.json()["message"] == str(STAFF_REFUSED_MESSAGE)


def test_the_schema_documents_every_owner_endpoint(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()

    paths = {
        path.replace("{id}", "1").replace("{message_pk}", "1").replace("{pk}", "1")
        for path in schema["paths"]
    }
    assert {url for _method, url in ENDPOINTS} <= paths
    visit = schema["components"]["schemas"]["VisitDetail"]["properties"]
    assert {"state", "triage", "queue", "band_wait", "version", "visit_type"} <= set(
        visit
    )
    booking = schema["components"]["schemas"]["BookingRequest"]["properties"]
    assert {"breathing_trouble", "heavy_bleeding", "collapse_or_seizure"} <= set(
        booking
    )
