"""The owner's profile in the API: read and change it through the same form
and service as the profile page."""

import pytest

from accounts.tests.api import app_login, call
from accounts.validators import PHONE_FORMAT_ERROR

pytestmark = pytest.mark.django_db

URL = "/api/v1/profile/"


def test_owner_changes_name_phone_and_language(client, customer):
    token = app_login(client, customer)

    response = call(
        client,
        "patch",
        URL,
        token,
        {"display_name": "Alice W.", "phone": "+86 138 0000 0000"},
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Alice W."
    customer.refresh_from_db()
    assert (customer.display_name, customer.phone) == ("Alice W.", "+86 138 0000 0000")
    assert customer.preferred_language == "en"  # not sent, not changed

    call(client, "patch", URL, token, {"preferred_language": "zh-hans"})
    customer.refresh_from_db()
    assert customer.preferred_language == "zh-hans"


def test_bad_input_gets_field_errors_and_changes_nothing(client, customer):
    before = (customer.display_name, customer.phone, customer.preferred_language)
    token = app_login(client, customer)

    response = call(
        client,
        "patch",
        URL,
        token,
        {"display_name": "New", "phone": "call me maybe"},
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"] == {"phone": [str(PHONE_FORMAT_ERROR)]}
    assert body["message"] == "Check the fields marked below."
    assert call(client, "patch", URL, token, {"preferred_language": "fr"}).json()[
        "fields"
    ] == {"preferred_language": ['"fr" is not a valid choice.']}
    customer.refresh_from_db()
    assert (customer.display_name, customer.phone, customer.preferred_language) == (
        before
    )


def test_username_and_email_cannot_be_changed_here(client, customer):
    token = app_login(client, customer)

    call(client, "patch", URL, token, {"username": "mallory", "email": "m@evil.test"})

    customer.refresh_from_db()
    assert (customer.username, customer.email) != ("mallory", "m@evil.test")


def test_profile_is_the_callers_own(client, customer, other_customer):
    token = app_login(client, other_customer)

    body = call(client, "get", URL, token).json()

    assert body["username"] == other_customer.username
    assert customer.username not in str(body)


def test_anonymous_cannot_change_a_profile(client, customer):
    response = call(client, "patch", URL, None, {"display_name": "x"})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_every_field_to_correct_is_named_in_one_answer(client, customer):
    token = app_login(client, customer)

    response = call(
        client,
        "patch",
        URL,
        token,
        {"display_name": "x" * 61, "phone": "call me", "preferred_language": "fr"},
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {
        "display_name",
        "phone",
        "preferred_language",
    }
    assert response.json()["fields"]["phone"] == [str(PHONE_FORMAT_ERROR)]
