"""Answers the API gives before any of its views: a path that names no
endpoint, and text no database can store, both in the one error shape."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_a_path_that_names_no_endpoint_is_a_json_404(method):
    # Not the site's 404 page, nor the CSRF refusal a page's POST would get.
    for path in ("/api/v1/pets/0.5/archive/", "/api/v1/nothing-here/"):
        response = getattr(Client(enforce_csrf_checks=True), method)(path)
        assert response.status_code == 404
        assert response.json() == {
            "code": "not_found",
            "message": "Not found.",
            "fields": {},
        }


def test_a_nul_in_an_api_request_is_a_json_400():
    response = Client().get("/api/v1/pets/", {"cursor": "a\x00b"})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "cannot be accepted" in body["message"]


def test_the_schema_says_any_operation_may_refuse_input():
    schema = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()

    for path, operations in schema["paths"].items():
        for operation in operations.values():
            assert "400" in operation["responses"], path
    listing = schema["paths"]["/api/v1/integration/visits/"]["get"]
    assert "404" in listing["responses"]  # an unknown cursor
