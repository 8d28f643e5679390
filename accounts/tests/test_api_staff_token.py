"""Staff in the owners' app: a token only after allauth headless's own
second-factor stage, none without a second factor while the rule is on,
the staff idle timeout on the token, and owner endpoints that answer for
the staff member's own account only."""

import datetime
import json

import pytest
from django.utils import timezone

from accounts.api_auth import STAFF_REFUSED_MESSAGE, STAFF_WITHOUT_SECOND_FACTOR_MESSAGE
from accounts.tests.api import (
    LOGIN_URL,
    MFA_URL,
    app_login,
    app_login_pending,
    call,
    staff_app_login,
)
from accounts.tests.factories import PASSWORD
from accounts.tests.second_factor import totp_code, with_totp
from consultation.tests.factories import ThreadFactory
from pets.tests.factories import PetFactory
from reservations.tests.factories import make_front_desk, make_visit

pytestmark = pytest.mark.django_db

PROFILE_URL = "/api/v1/profile/"


@pytest.fixture(autouse=True)
def _second_factor_required(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True


def _post(client, url, data, token=None):
    headers = {"HTTP_X_SESSION_TOKEN": token} if token else {}
    return client.post(
        url, json.dumps(data), content_type="application/json", **headers
    )


def test_a_doctor_with_an_authenticator_gets_a_token_only_after_the_code(
    client, doctor
):
    secret = with_totp(doctor)

    pending = app_login_pending(client, doctor)
    # The pending login's token opens nothing yet.
    assert call(client, "get", PROFILE_URL, pending).status_code == 401

    token = staff_app_login(client, doctor, secret)

    response = call(client, "get", PROFILE_URL, token)
    assert response.status_code == 200
    assert response.json()["username"] == doctor.username


@pytest.mark.parametrize("role", ["doctor", "front desk"])
def test_staff_without_a_second_factor_get_no_token(client, doctor, role):
    user = doctor if role == "doctor" else make_front_desk()

    response = _post(
        client, LOGIN_URL, {"username": user.username, "password": PASSWORD}
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == str(
        STAFF_WITHOUT_SECOND_FACTOR_MESSAGE
    )
    assert "session_token" not in response.content.decode()


def test_a_front_desk_member_with_an_authenticator_gets_a_token_after_the_code(
    client,
):
    desk = make_front_desk()
    secret = with_totp(desk)

    token = staff_app_login(client, desk, secret)

    assert call(client, "get", PROFILE_URL, token).status_code == 200


def test_a_wrong_code_is_refused_and_the_tries_are_limited(client, doctor):
    secret = with_totp(doctor)
    pending = app_login_pending(client, doctor)
    right = totp_code(secret)
    wrong = "000000" if right != "000000" else "111111"

    tries = [_post(client, MFA_URL, {"code": wrong}, pending) for _ in range(5)]
    after = _post(client, MFA_URL, {"code": right}, pending)

    assert [response.status_code for response in tries] == [400] * 5
    assert tries[0].json()["errors"][0]["param"] == "code"
    # allauth's login_failed limit (5 per 5 minutes per account): the right
    # code is refused too, and the pending token still opens nothing.
    assert after.status_code == 400
    assert after.json()["errors"][0]["code"] == "too_many_login_attempts"
    assert "session_token" not in json.dumps(after.json().get("meta", {}))
    assert call(client, "get", PROFILE_URL, pending).status_code == 401


def test_a_staff_token_ends_after_the_idle_timeout(
    client, doctor, settings, time_machine
):
    settings.STAFF_IDLE_TIMEOUT_SECONDS = 30 * 60
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    token = staff_app_login(client, doctor, with_totp(doctor))

    # Each call moves the expiry on: 50 minutes in all, never 30 idle.
    for minutes in (25, 50):
        time_machine.move_to(start + datetime.timedelta(minutes=minutes), tick=False)
        assert call(client, "get", PROFILE_URL, token).status_code == 200
    time_machine.move_to(start + datetime.timedelta(minutes=81), tick=False)

    assert call(client, "get", PROFILE_URL, token).status_code == 401


def test_a_staff_token_unused_since_the_login_ends_after_the_idle_timeout(
    client, doctor, settings, time_machine
):
    settings.STAFF_IDLE_TIMEOUT_SECONDS = 30 * 60
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    token = staff_app_login(client, doctor, with_totp(doctor))

    time_machine.move_to(start + datetime.timedelta(minutes=31), tick=False)

    assert call(client, "get", PROFILE_URL, token).status_code == 401


def test_a_customers_token_has_no_idle_timeout(
    client, customer, settings, time_machine
):
    settings.STAFF_IDLE_TIMEOUT_SECONDS = 30 * 60
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    token = app_login(client, customer)

    time_machine.move_to(start + datetime.timedelta(hours=5), tick=False)

    assert call(client, "get", PROFILE_URL, token).status_code == 200


def test_a_doctors_token_answers_for_the_doctors_own_account_only(
    client, doctor, customer
):
    pet = PetFactory(owner=customer)
    visit = make_visit(pet)
    thread = ThreadFactory(customer=customer, pet=pet)
    token = staff_app_login(client, doctor, with_totp(doctor))

    lists = {
        url: call(client, "get", url, token)
        for url in ("/api/v1/pets/", "/api/v1/visits/", "/api/v1/consultations/")
    }
    objects = [
        call(client, "get", url, token)
        for url in (
            f"/api/v1/pets/{pet.pk}/",
            f"/api/v1/pets/{pet.pk}/record/",
            f"/api/v1/visits/{visit.pk}/",
            f"/api/v1/consultations/{thread.pk}/",
            f"/api/v1/consultations/{thread.pk}/messages/",
        )
    ]
    staff_only = call(client, "get", "/api/v1/integration/visits/", token)

    assert {url: r.status_code for url, r in lists.items()} == dict.fromkeys(lists, 200)
    assert all(r.json()["results"] == [] for r in lists.values())
    assert [r.status_code for r in objects] == [404] * len(objects)
    assert all(r.json()["code"] == "not_found" for r in objects)
    # Integration endpoints take a key, not a person's token.
    assert staff_only.status_code == 401
    assert set(staff_only.json()) == {"code", "message", "fields"}


def test_a_token_of_an_account_made_staff_later_is_refused_without_the_factor(
    client, customer
):
    token = app_login(client, customer)
    customer.is_staff = True
    customer.save(update_fields=["is_staff"])

    response = call(client, "get", PROFILE_URL, token)

    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": str(STAFF_REFUSED_MESSAGE),
        "fields": {},
    }


def test_a_translators_token_unused_since_the_login_ends_after_the_idle_timeout(
    client, translator, settings, time_machine
):
    # Staff by a group alone: Django's login left the session's default age.
    settings.STAFF_IDLE_TIMEOUT_SECONDS = 30 * 60
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    token = staff_app_login(client, translator, with_totp(translator))

    time_machine.move_to(start + datetime.timedelta(minutes=31), tick=False)

    assert call(client, "get", PROFILE_URL, token).status_code == 401
