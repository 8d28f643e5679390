"""A NUL or a lone surrogate in a request to the API is refused (400) in the
API's own error shape, {"code", "message", "fields"}, in the requester's
language, not with the site's HTML page (UnstorableInputMiddleware)."""

import pytest
from django.utils import translation

from accounts.tests.api import app_login, call
from healingpaws.middleware import API_UNSTORABLE_INPUT_ERROR

pytestmark = pytest.mark.django_db

PROFILE = "/api/v1/profile/"


def _refused_in_the_api_shape(response, language="en"):
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    with translation.override(language):
        message = str(API_UNSTORABLE_INPUT_ERROR)
    assert response.json() == {"code": "invalid", "message": message, "fields": {}}


@pytest.mark.parametrize(
    "name", ["Alice\x00W.", "Alice\ud800"], ids=["nul", "lone-surrogate"]
)
def test_a_nul_in_a_json_body_is_refused_in_the_error_shape_and_changes_nothing(
    client, customer, name
):
    token = app_login(client, customer)

    response = call(client, "patch", PROFILE, token, {"display_name": name})

    _refused_in_the_api_shape(response)
    customer.refresh_from_db()
    assert "Alice" not in customer.display_name


def test_a_nul_in_a_query_parameter_or_the_path_is_refused_in_the_error_shape(
    client, customer
):
    token = app_login(client, customer)

    _refused_in_the_api_shape(call(client, "get", "/api/v1/pets/?cursor=%00", token))
    _refused_in_the_api_shape(call(client, "get", "/api/v1/pets/%00/", token))
    _refused_in_the_api_shape(client.get(PROFILE + "?x=%00"))  # before sign-in


def test_the_refusal_speaks_the_requesters_language(client):
    response = client.get(PROFILE + "?x=%00", HTTP_ACCEPT_LANGUAGE="zh-hans")

    _refused_in_the_api_shape(response, language="zh-hans")


def test_the_sites_pages_keep_their_html_page(client):
    response = client.get("/pets/?q=%00")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
