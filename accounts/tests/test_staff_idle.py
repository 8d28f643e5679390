"""Staff sessions end after STAFF_IDLE_TIMEOUT_SECONDS without a request;
customers keep "remember me"."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from accounts.tests.second_factor import LOGIN_URL

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _the_real_idle_timeout(settings):
    settings.STAFF_IDLE_TIMEOUT_SECONDS = 30 * 60  # the default (conftest raises it)


ADMIN_URL = reverse("admin:index")
TWO_WEEKS = settings.SESSION_COOKIE_AGE


def _log_in(client, user, password, *, remember):
    data = {"login": user.username, "password": password}
    if remember:
        data["remember"] = "on"
    assert client.post(LOGIN_URL, data).status_code == 302


@pytest.mark.parametrize("remember", [True, False])
def test_a_doctors_session_lasts_the_idle_timeout_remember_me_or_not(
    client, doctor, password, remember
):
    _log_in(client, doctor, password, remember=remember)

    assert client.session.get_expiry_age() == 30 * 60
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 30 * 60


def test_a_customer_keeps_remember_me(client, customer, password):
    _log_in(client, customer, password, remember=True)

    assert client.session.get_expiry_age() == TWO_WEEKS


def test_an_idle_doctor_is_signed_out(client, doctor, password):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _log_in(client, doctor, password, remember=True)
        clock.shift(datetime.timedelta(minutes=31))

        response = client.get(ADMIN_URL)

    assert response["Location"].startswith(reverse("admin:login"))
    assert SESSION_KEY not in client.session


def test_a_working_doctor_stays_signed_in(client, doctor, password):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _log_in(client, doctor, password, remember=False)
        for _ in range(6):  # two hours, a request every 20 minutes
            clock.shift(datetime.timedelta(minutes=20))
            assert client.get(ADMIN_URL).status_code == 200

        clock.shift(datetime.timedelta(minutes=31))
        assert client.get(ADMIN_URL).status_code == 302


def test_the_idle_timeout_is_a_setting(client, doctor, password, settings):
    settings.STAFF_IDLE_TIMEOUT_SECONDS = 10 * 60
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _log_in(client, doctor, password, remember=True)
        clock.shift(datetime.timedelta(minutes=11))

        assert client.get(ADMIN_URL).status_code == 302


def test_an_idle_customer_with_remember_me_stays_signed_in(client, customer, password):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _log_in(client, customer, password, remember=True)
        clock.shift(datetime.timedelta(days=3))

        assert client.get(reverse("pets:list")).status_code == 200


def test_a_page_redrawing_itself_on_a_push_does_not_keep_the_session_alive(
    client, doctor, password
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _log_in(client, doctor, password, remember=False)
        for _ in range(4):  # an unattended dashboard on a busy day
            clock.shift(datetime.timedelta(minutes=10))
            client.get(ADMIN_URL, headers={"X-Live-Refresh": "1"})

        response = client.get(ADMIN_URL)

    assert response["Location"].startswith(reverse("admin:login"))
