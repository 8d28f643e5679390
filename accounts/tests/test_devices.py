"""An e-mail when an account signs in from a device it has not used before,
in the account's language."""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts import devices
from accounts.devices import COOKIE_NAME
from accounts.tests.api import app_login, call
from accounts.tests.second_factor import AUTHENTICATE_URL, totp_code, with_totp
from accounts.tests.test_signup import SIGNUP_URL, signup_data
from core.background import run_ready_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _returning_accounts(customer, other_customer, doctor):
    # Accounts that have signed in before (a first sign-in ever tells nothing).
    for user in (customer, other_customer, doctor):
        user.last_login = timezone.now() - datetime.timedelta(days=3)
        user.save(update_fields=["last_login"])


PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"
)
SUBJECT = "[Healing Paws] New sign-in to your account"


def _browser():
    return Client(HTTP_USER_AGENT=PHONE, REMOTE_ADDR="203.0.113.7")


def _log_in(browser, user, password):
    response = browser.post(
        reverse("account_login"), {"login": user.username, "password": password}
    )
    assert response.status_code == 302
    browser.post(reverse("account_logout"))


def _new_device_mails():
    run_ready_tasks()
    return [message for message in mail.outbox if _is_new_device_mail(message)]


def _is_new_device_mail(message):
    # In whichever language the account reads.
    for language in ("en", "zh-hans"):
        with translation.override(language):
            if gettext("New sign-in to your account") in message.subject:
                return True
    return False


def test_a_sign_in_from_a_new_device_is_told_by_e_mail(customer, password):
    _log_in(_browser(), customer, password)

    [message] = _new_device_mails()
    assert message.to == ["alice@example.com"]
    assert message.subject == SUBJECT
    assert "Device: Chrome on Android" in message.body
    assert "IP address: 203.0.113.7" in message.body
    assert "http://testserver/accounts/sessions/" in message.body


def test_a_device_that_signed_in_before_is_not_told_again(customer, password):
    browser = _browser()
    _log_in(browser, customer, password)
    _log_in(browser, customer, password)

    assert len(_new_device_mails()) == 1


def test_every_new_device_is_told(customer, password):
    _log_in(_browser(), customer, password)
    _log_in(_browser(), customer, password)

    assert len(_new_device_mails()) == 2


def test_a_device_known_to_another_account_is_new_to_this_one(
    customer, other_customer, password
):
    browser = _browser()
    _log_in(browser, customer, password)
    _log_in(browser, other_customer, password)

    assert [message.to for message in _new_device_mails()] == [
        ["alice@example.com"],
        ["bob@example.com"],
    ]


def test_a_forged_device_cookie_is_ignored(customer, password):
    browser = _browser()
    browser.cookies[COOKIE_NAME] = f"[{customer.pk}]"

    _log_in(browser, customer, password)

    assert len(_new_device_mails()) == 1


def test_the_e_mail_speaks_the_accounts_language(customer, password):
    customer.preferred_language = "zh-hans"
    customer.save()

    _log_in(_browser(), customer, password)

    [message] = _new_device_mails()
    assert message.subject.startswith("[愈爪宠物医院]")
    assert "您好" in message.body


def test_an_accounts_first_sign_in_ever_tells_nothing(customer, password):
    customer.last_login = None
    customer.save(update_fields=["last_login"])
    browser = _browser()

    _log_in(browser, customer, password)

    assert _new_device_mails() == []
    assert COOKIE_NAME in browser.cookies  # known from now on


def test_signing_up_and_confirming_tells_nothing(client):
    client.post(SIGNUP_URL, signup_data())
    run_ready_tasks()
    link = re.search(r"/accounts/confirm-email/[^/\s]+/", mail.outbox[-1].body)

    client.post(link.group(0))  # confirmed here: signed in at once

    assert client.get(reverse("pets:list")).status_code == 200
    assert _new_device_mails() == []


def test_with_a_second_factor_the_e_mail_follows_the_code(doctor, password):
    secret = with_totp(doctor)
    browser = _browser()
    browser.post(
        reverse("account_login"), {"login": doctor.username, "password": password}
    )
    assert _new_device_mails() == []

    browser.post(AUTHENTICATE_URL, {"code": totp_code(secret)})

    assert len(_new_device_mails()) == 1
    assert COOKIE_NAME in browser.cookies


# The owners' app keeps no cookie: its device is its User-Agent and address.

APP_SESSION_URL = "/_allauth/app/v1/auth/session"
APP = "HealingPaws/2.3 (Android 14; Pixel 8) okhttp/4.12.0"


def _app(user_agent=APP, address="203.0.113.7"):
    return Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)


def _app_log_in(app, user):
    token = app_login(app, user)
    assert call(app, "delete", APP_SESSION_URL, token).status_code == 401  # out


def test_the_app_signing_in_again_from_the_same_phone_is_not_told_again(customer):
    _app_log_in(_app(), customer)
    _app_log_in(_app(), customer)
    _app_log_in(_app(), customer)

    [message] = _new_device_mails()
    assert message.to == ["alice@example.com"]
    assert "IP address: 203.0.113.7" in message.body


def test_the_app_on_another_phone_or_network_is_told(customer):
    _app_log_in(_app(), customer)
    _app_log_in(_app(user_agent=APP.replace("Pixel 8", "SM-S921B")), customer)
    _app_log_in(_app(address="198.51.100.20"), customer)

    assert len(_new_device_mails()) == 3


def test_a_phone_known_to_another_account_is_new_to_this_one(customer, other_customer):
    _app_log_in(_app(), customer)
    _app_log_in(_app(), other_customer)

    assert [message.to for message in _new_device_mails()] == [
        ["alice@example.com"],
        ["bob@example.com"],
    ]


def test_the_apps_first_sign_in_ever_tells_nothing_and_knows_the_phone(customer):
    customer.last_login = None
    customer.save(update_fields=["last_login"])

    _app_log_in(_app(), customer)
    _app_log_in(_app(), customer)

    assert _new_device_mails() == []


def test_the_app_signs_in_with_the_cache_away_and_tells_of_the_device(
    customer, monkeypatch
):
    add = devices.cache.add

    def away_for_devices(key, *args, **kwargs):
        # Only the device check's call: allauth's own rate limits have
        # their own answer to a cache that is away.
        if key.startswith("accounts.devices.app:"):
            raise ConnectionError("Redis is away")
        return add(key, *args, **kwargs)

    monkeypatch.setattr(devices.cache, "add", away_for_devices)

    _app_log_in(_app(), customer)  # signed in and out: no 500

    assert len(_new_device_mails()) == 1
