"""Every way into an account asks for the second factor of an account that has
one: no login page, the admin's included, signs a staff member in with the
password alone."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import NoReverseMatch, reverse

from accounts.tests.api import MFA_URL as APP_MFA_URL
from accounts.tests.api import app_login_pending, call
from accounts.tests.second_factor import (
    AUTHENTICATE_URL,
    LOGIN_URL,
    log_in_with_password,
    totp_code,
    with_totp,
)
from core.background import run_ready_tasks

pytestmark = pytest.mark.django_db

ADMIN_LOGIN_URL = reverse("admin:login")


@pytest.fixture
def secret(doctor, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    return with_totp(doctor)


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_admin_login_never_signs_anyone_in(
    client, doctor, password, secret, method
):
    credentials = {"username": doctor.username, "password": password}

    response = getattr(client, method)(ADMIN_LOGIN_URL, credentials)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL + "?next=")
    assert SESSION_KEY not in client.session


def test_the_admin_login_leads_to_the_code_and_then_to_the_dashboard(
    client, doctor, password, secret
):
    login_url = client.get(ADMIN_LOGIN_URL + "?next=/admin/")["Location"]

    response = client.post(login_url, {"login": doctor.username, "password": password})

    assert response["Location"] == AUTHENTICATE_URL
    response = client.post(AUTHENTICATE_URL, {"code": totp_code(secret)})
    assert response["Location"] == "/admin/"


def test_the_dashboard_sends_visitors_to_the_sites_login(client):
    response = client.get(reverse("admin:index"))

    assert response["Location"].startswith(ADMIN_LOGIN_URL)


def test_login_by_e_mailed_code_and_passkey_login_are_off(client):
    with pytest.raises(NoReverseMatch):
        reverse("account_request_login_code")
    with pytest.raises(NoReverseMatch):
        reverse("mfa_login_webauthn")
    assert client.get("/accounts/login/code/").status_code == 404
    assert client.get("/accounts/2fa/webauthn/login/").status_code == 404


def test_a_password_reset_does_not_sign_in(client, doctor, secret):
    client.post(reverse("account_reset_password"), {"email": doctor.email})
    run_ready_tasks()
    link = re.search(r"/accounts/password/reset/key/\S+/", mail.outbox[0].body)
    form_url = client.get(link.group(0))["Location"]
    new_password = "a-brand-new-secret-phrase"

    client.post(form_url, {"password1": new_password, "password2": new_password})

    doctor.refresh_from_db()
    assert doctor.check_password(new_password)
    assert SESSION_KEY not in client.session


def test_confirming_the_e_mail_address_still_asks_for_the_code(
    client, doctor, password, secret
):
    EmailAddress.objects.filter(user=doctor).update(verified=False)
    log_in_with_password(client, doctor, password)  # sends the confirmation
    run_ready_tasks()
    link = re.search(r"/accounts/confirm-email/[^/\s]+/", mail.outbox[-1].body)

    response = client.post(link.group(0))

    assert response["Location"] == AUTHENTICATE_URL
    assert SESSION_KEY not in client.session
    client.post(AUTHENTICATE_URL, {"code": totp_code(secret)})
    assert client.session[SESSION_KEY] == str(doctor.pk)


def test_the_code_page_without_a_password_first_signs_nobody_in(client, doctor, secret):
    response = client.post(AUTHENTICATE_URL, {"code": totp_code(secret)})

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)
    assert SESSION_KEY not in client.session


def test_reauthentication_needs_a_signed_in_user(client, doctor, password, secret):
    for name in ["account_reauthenticate", "mfa_reauthenticate"]:
        response = client.post(reverse(name), {"password": password})
        assert response["Location"].startswith(LOGIN_URL), name
    assert SESSION_KEY not in client.session


def test_rosetta_sends_visitors_to_the_sites_login(client):
    response = client.get("/rosetta/", follow=True)

    assert response.redirect_chain[-1][0].startswith(LOGIN_URL)


# The owners' app: allauth's headless app client asks a customer who has an
# authenticator app for its code before the token opens anything.

PROFILE_URL = "/api/v1/profile/"


def _app_code(client, pending, code):
    return call(client, "post", APP_MFA_URL, pending, data={"code": code})


def test_the_apps_login_asks_a_customer_with_an_authenticator_for_the_code(
    client, customer
):
    secret = with_totp(customer)

    pending = app_login_pending(client, customer)

    assert call(client, "get", PROFILE_URL, pending).status_code == 401
    response = _app_code(client, pending, totp_code(secret))
    assert response.status_code == 200
    assert response.json()["meta"]["is_authenticated"] is True
    token = response.json()["meta"]["session_token"]
    profile = call(client, "get", PROFILE_URL, token)
    assert profile.status_code == 200
    assert profile.json()["username"] == customer.username


def test_the_apps_code_step_limits_wrong_codes(client, customer):
    secret = with_totp(customer)
    pending = app_login_pending(client, customer)
    wrong = totp_code(secret, periods_from_now=10)

    for _ in range(5):
        response = _app_code(client, pending, wrong)
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "incorrect_code"
    response = _app_code(client, pending, wrong)

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "too_many_login_attempts"
    # The right code is refused too until the limit passes.
    assert _app_code(client, pending, totp_code(secret)).status_code == 400
    assert call(client, "get", PROFILE_URL, pending).status_code == 401
