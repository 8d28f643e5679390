"""The API's frame: its schema and docs, its one error shape in the
requester's language, its throttle, and no CORS."""

import base64
import re

import pytest
from django.core.management import call_command
from django.test import override_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from accounts.tests.api import app_login, call

pytestmark = pytest.mark.django_db


def test_schema_validates_without_warnings(tmp_path):
    # drf-spectacular's own check: a warning fails the command.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", tmp_path / "s.yml"
    )

    assert "/api/v1/pets/{id}/archive/" in (tmp_path / "s.yml").read_text()


def test_schema_endpoint_lists_the_owner_endpoints(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = response.json()
    assert {"/api/v1/profile/", "/api/v1/pets/", "/api/v1/pets/{id}/"} <= set(
        schema["paths"]
    )
    assert schema["components"]["securitySchemes"]["sessionToken"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Session-Token",
    }
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {
        "code",
        "message",
        "fields",
    }


def test_docs_page_runs_under_the_csp_from_local_files(client):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    # No inline script or style: every <script> has a src, no <style> block.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert "<style" not in page
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert all(source.startswith("/") for source in sources), sources
    assert any("swagger-ui-bundle.js" in source for source in sources)
    initialiser = next(source for source in sources if "script=" in source)
    script = client.get(initialiser.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in script.content.decode()


def test_errors_answer_in_the_requesters_language(client):
    response = client.get("/api/v1/pets/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert body["message"] == "身份认证信息未提供。"
    assert body["fields"] == {}


def test_calls_are_throttled_per_user(client, customer, other_customer, monkeypatch):
    # DRF reads the rates once, into the class.
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute"})
    token = app_login(client, customer)
    codes = [
        call(client, "get", "/api/v1/profile/", token).status_code for _ in range(4)
    ]

    assert codes == [200, 200, 200, 429]
    answer = call(client, "get", "/api/v1/profile/", token).json()
    assert answer["code"] == "throttled"
    # Counted per user: another customer is not held back.
    other = app_login(client, other_customer)
    assert call(client, "get", "/api/v1/profile/", other).status_code == 200


def test_no_cors_headers_for_another_origin(client, customer):
    token = app_login(client, customer)

    response = call(
        client, "get", "/api/v1/profile/", token, HTTP_ORIGIN="https://evil.example"
    )

    assert response.status_code == 200
    assert not [h for h in response.headers if h.lower().startswith("access-control")]


def test_anonymous_limit_cannot_be_dodged_with_a_forwarded_for_header(
    client, monkeypatch
):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})

    # (Other endpoints refuse anonymous callers before counting them.)
    codes = [
        client.get("/api/v1/docs/", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code
        for n in range(3)
    ]

    assert codes == [200, 200, 429]


@override_settings(CORS_ALLOWED_ORIGINS=["https://app.example"])
def test_a_listed_origin_may_call_the_api_and_nothing_else(client):
    preflight = client.options(
        "/api/v1/pets/",
        HTTP_ORIGIN="https://app.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-session-token",
    )

    assert preflight["Access-Control-Allow-Origin"] == "https://app.example"
    assert "x-session-token" in preflight["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight
    other = client.options(
        "/api/v1/pets/",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert "Access-Control-Allow-Origin" not in other
    page = client.get("/", HTTP_ORIGIN="https://app.example")
    assert "Access-Control-Allow-Origin" not in page


@pytest.mark.parametrize(
    "path", ["/api/v1/visits/", "/api/v1/notifications/", "/api/v1/consultations/"]
)
@pytest.mark.parametrize("position", ["garbage", "2026-13-45T99:00:00"])
def test_a_forged_cursor_position_is_refused_like_a_bad_cursor(
    client, customer, path, position
):
    """A cursor is base64 of the ordering field's last value: one that is no
    date must not reach the query (it was a 500)."""
    token = app_login(client, customer)
    cursor = base64.b64encode(f"p={position}".encode()).decode()

    response = call(client, "get", f"{path}?cursor={cursor}", token)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
