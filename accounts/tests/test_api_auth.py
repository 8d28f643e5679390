"""The owners' app signs up, logs in and out, changes and resets its password
through allauth's headless app client, and the API takes its token."""

import json
import re

import pytest
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.contrib.auth import get_user_model
from django.core import mail

from accounts.api_auth import STAFF_REFUSED_MESSAGE, STAFF_WITHOUT_SECOND_FACTOR_MESSAGE
from accounts.forms import ACCEPT_RULES_REQUIRED_ERROR
from accounts.services import user_deactivate
from accounts.tests.api import LOGIN_URL, app_login, call
from accounts.tests.factories import PASSWORD
from core.api_auth_limit import FailedAuthenticationThrottle
from core.background import run_ready_tasks

pytestmark = pytest.mark.django_db


PROFILE_URL = "/api/v1/profile/"


def _post(client, url, data, **headers):
    return client.post(
        url, json.dumps(data), content_type="application/json", **headers
    )


def test_customer_logs_in_with_the_app_and_reads_the_profile(client, customer):
    token = app_login(client, customer)

    response = call(client, "get", PROFILE_URL, token)

    assert response.status_code == 200
    assert response.json()["username"] == customer.username
    assert response.json()["email"] == customer.email


def test_wrong_password_gets_no_token(client, customer):
    response = _post(
        client, LOGIN_URL, {"username": customer.username, "password": "nope-nope"}
    )

    assert response.status_code == 400
    assert "session_token" not in response.content.decode()


def test_app_login_is_rate_limited_like_the_site(client, customer, password):
    wrong = {"username": customer.username, "password": "wrong-password"}
    for _ in range(5):  # allauth's login_failed limit: 5 per 5 minutes
        _post(client, LOGIN_URL, wrong)

    response = _post(
        client, LOGIN_URL, {"username": customer.username, "password": password}
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "too_many_login_attempts"
    assert "session_token" not in response.content.decode()


def test_logged_out_token_is_refused(client, customer):
    token = app_login(client, customer)

    response = client.delete(
        "/_allauth/app/v1/auth/session", HTTP_X_SESSION_TOKEN=token
    )

    assert response.status_code == 401  # allauth: "logged out"
    assert call(client, "get", PROFILE_URL, token).status_code == 401


def test_signup_through_the_app_sends_the_sites_verification_email(client):
    response = _post(
        client,
        "/_allauth/app/v1/auth/signup",
        {
            "username": "appuser",
            "email": "app@example.com",
            "password": "a-long-pass-123",
            "accept_rules": True,
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    # Mandatory verification: no token until the address is confirmed.
    assert response.status_code == 401
    user = get_user_model().objects.get(username="appuser")
    assert user.preferred_language == "zh-hans"
    assert not EmailAddress.objects.get(user=user).verified
    run_ready_tasks()
    assert [message.to for message in mail.outbox] == [["app@example.com"]]
    # The link opens the site's own confirmation page.
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_password_reset_through_the_app_mails_the_sites_link(client, customer):
    response = _post(
        client, "/_allauth/app/v1/auth/password/request", {"email": customer.email}
    )

    assert response.status_code == 200
    run_ready_tasks()
    assert [message.to for message in mail.outbox] == [[customer.email]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_anonymous_caller_gets_401_in_the_error_shape(client):
    response = client.get(PROFILE_URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "fields": {},
    }
    assert response.headers["WWW-Authenticate"] == "X-Session-Token"


def test_unknown_token_gets_401(client):
    assert call(client, "get", PROFILE_URL, "not-a-token").status_code == 401


def test_doctor_without_a_second_factor_gets_no_app_token(
    client, doctor, password, settings
):
    # More of staff in the app: accounts/tests/test_api_staff_token.py.
    settings.MFA_REQUIRED_FOR_STAFF = True

    response = _post(
        client, LOGIN_URL, {"username": doctor.username, "password": password}
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == str(
        STAFF_WITHOUT_SECOND_FACTOR_MESSAGE
    )
    assert "session_token" not in response.content.decode()


def test_staff_with_a_session_anyway_are_refused_by_the_api(client, customer, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True  # and the token passed no factor
    token = app_login(client, customer)
    customer.is_staff = True  # became staff after the app signed in
    customer.save(update_fields=["is_staff"])

    response = call(client, "get", PROFILE_URL, token)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert response.json()["message"] == str(STAFF_REFUSED_MESSAGE)


def test_site_login_page_still_works(client, customer, password):
    response = client.post(
        "/accounts/login/", {"login": customer.username, "password": password}
    )

    assert response.status_code == 302
    assert client.get("/pets/").status_code == 200


def test_signup_through_the_app_asks_to_accept_the_rules(client):
    response = _post(
        client,
        "/_allauth/app/v1/auth/signup",
        {"username": "appuser", "email": "app@example.com", "password": "a-pass-1234"},
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "message": str(ACCEPT_RULES_REQUIRED_ERROR),
            "code": "required",
            "param": "accept_rules",
        }
    ]
    assert not get_user_model().objects.filter(username="appuser").exists()


def test_signup_through_the_app_says_an_address_is_taken(client, customer):
    response = _post(
        client,
        "/_allauth/app/v1/auth/signup",
        {
            "username": "newname",
            "email": customer.email,
            "password": "a-long-pass-123",
            "accept_rules": True,
        },
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["param"] == "email"
    assert response.json()["errors"][0]["code"] == "email_taken"


def test_app_login_finds_a_username_in_another_unicode_spelling(client, customer):
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in customer.username)

    response = _post(client, LOGIN_URL, {"username": fullwidth, "password": PASSWORD})

    assert response.status_code == 200
    assert response.json()["meta"]["session_token"]


def test_app_reset_never_mails_an_unverified_address(client, customer):
    EmailAddress.objects.create(user=customer, email="pending@example.com")

    response = _post(
        client,
        "/_allauth/app/v1/auth/password/request",
        {"email": "pending@example.com"},
    )

    assert response.status_code == 200  # the same answer: nothing is revealed
    run_ready_tasks()
    assert "/accounts/password/reset/key/" not in "".join(
        message.body for message in mail.outbox
    )


def test_a_deactivated_customers_token_is_refused(client, customer):
    token = app_login(client, customer)

    user_deactivate(user=customer)

    assert call(client, "get", PROFILE_URL, token).status_code == 401


def test_the_app_shows_among_signed_in_devices_and_signing_it_out_ends_the_token(
    client, customer
):
    token = app_login(client, customer)
    sessions = UserSession.objects.filter(user=customer)
    assert sessions.count() == 1  # the app's, listed on the site's devices page

    for session in sessions:
        session.end()

    assert call(client, "get", PROFILE_URL, token).status_code == 401


def test_an_address_that_fails_too_often_is_answered_429_even_with_a_right_token(
    client, customer, monkeypatch
):
    monkeypatch.setattr(
        FailedAuthenticationThrottle,
        "THROTTLE_RATES",
        {"failed_authentication": "3/minute"},
    )
    token = app_login(client, customer)

    # Three guessed tokens; a forwarded-for header changes nothing (the
    # address is REMOTE_ADDR, as for the anon limit).
    failed = [
        call(client, "get", PROFILE_URL, "guessed", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
        for n in range(3)
    ]
    refused = call(client, "get", PROFILE_URL, token, HTTP_X_FORWARDED_FOR="10.0.0.3")
    elsewhere = call(client, "get", PROFILE_URL, token, REMOTE_ADDR="198.51.100.7")

    assert [response.status_code for response in failed] == [401, 401, 401]
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
    assert elsewhere.status_code == 200


def test_calls_without_a_token_do_not_lock_out_the_address(
    client, customer, monkeypatch
):
    """A signed-out app polling is no guess: counting it would refuse every
    customer behind the same address (a phone carrier's NAT)."""
    monkeypatch.setattr(
        FailedAuthenticationThrottle,
        "THROTTLE_RATES",
        {"failed_authentication": "3/minute"},
    )
    token = app_login(client, customer)

    anonymous = [call(client, "get", PROFILE_URL) for _ in range(5)]
    signed_in = call(client, "get", PROFILE_URL, token)

    assert [response.status_code for response in anonymous] == [401] * 5
    assert signed_in.status_code == 200


CHANGE_URL = "/_allauth/app/v1/account/password/change"
RESET_URL = "/_allauth/app/v1/auth/password/reset"
NEW_PASSWORD = "a-fresh-pass-2026"


def _login(client, user, password):
    return _post(client, LOGIN_URL, {"username": user.username, "password": password})


def test_the_app_changes_the_password_and_signs_the_other_sessions_out(
    client, customer, password
):
    token = app_login(client, customer)
    other_app = app_login(client, customer)
    assert client.login(username=customer.username, password=password)  # the site

    response = _post(
        client,
        CHANGE_URL,
        {"current_password": password, "new_password": NEW_PASSWORD},
        HTTP_X_SESSION_TOKEN=token,
    )

    assert response.status_code == 200, response.content
    # The app that changed it stays signed in with the new token it is
    # answered (the session's key changes with the password, as on the site).
    renewed = response.json()["meta"]["session_token"]
    assert renewed != token
    assert call(client, "get", PROFILE_URL, renewed).status_code == 200
    assert call(client, "get", PROFILE_URL, token).status_code == 401
    # The new one signs in, the old one no longer.
    assert _login(client, customer, NEW_PASSWORD).status_code == 200
    assert _login(client, customer, password).status_code == 400
    # Every other session of the account, another app's token and the
    # site's cookie, is signed out (Django checks each session against the
    # password's hash).
    assert call(client, "get", PROFILE_URL, other_app).status_code == 401
    assert client.get("/pets/").status_code == 302


def test_a_wrong_current_password_changes_nothing(client, customer, password):
    token = app_login(client, customer)

    response = _post(
        client,
        CHANGE_URL,
        {"current_password": "not-my-password", "new_password": NEW_PASSWORD},
        HTTP_X_SESSION_TOKEN=token,
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["param"] == "current_password"
    assert _login(client, customer, password).status_code == 200


def test_a_weak_new_password_gets_the_sites_password_rules(client, customer, password):
    token = app_login(client, customer)

    response = _post(
        client,
        CHANGE_URL,
        {"current_password": password, "new_password": "12345678"},
        HTTP_X_SESSION_TOKEN=token,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    messages = {
        error["message"]
        for error in response.json()["errors"]
        if error.get("param") == "new_password"
    }
    assert "This password is too common." in messages
    assert "This password is entirely numeric." in messages
    assert _login(client, customer, password).status_code == 200


def test_the_app_completes_a_reset_with_the_key_from_the_email(
    client, customer, password
):
    token = app_login(client, customer)
    _post(client, "/_allauth/app/v1/auth/password/request", {"email": customer.email})
    run_ready_tasks()
    [link_key] = re.findall(
        r"/accounts/password/reset/key/([^/\s]+)/", mail.outbox[0].body
    )

    response = _post(client, RESET_URL, {"key": link_key, "password": NEW_PASSWORD})

    # 401: done, and not signed in (the app logs in with the new password).
    assert response.status_code == 401, response.content
    assert response.json()["meta"]["is_authenticated"] is False
    assert _login(client, customer, NEW_PASSWORD).status_code == 200
    assert _login(client, customer, password).status_code == 400
    # The token from before the reset is signed out with the old password.
    assert call(client, "get", PROFILE_URL, token).status_code == 401
    # The key was used up.
    again = _post(client, RESET_URL, {"key": link_key, "password": "another-pass-99"})
    assert again.status_code == 400
