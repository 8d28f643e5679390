"""Signed-in devices: every user sees theirs and signs the others out, which
also closes those sessions' open sockets (and only theirs)."""

import datetime

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from asgiref.sync import sync_to_async
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.sessions import device_name
from accounts.tests.sockets import closed_with, connected, nothing_but_presence
from core.sockets import CLOSE_SESSION_ENDED

SESSIONS_URL = reverse("usersessions_list")
PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"
)
LAPTOP = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/17.5 Safari/605.1.15"
)


def _signed_in(user, password, user_agent, ip="203.0.113.7"):
    """A browser signed in through the login form, as allauth records it."""
    browser = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    response = browser.post(
        reverse("account_login"), {"login": user.username, "password": password}
    )
    assert response.status_code == 302
    return browser


@pytest.mark.django_db
def test_a_user_sees_their_signed_in_devices_and_no_one_elses(
    customer, other_customer, password
):
    phone = _signed_in(customer, password, PHONE, ip="203.0.113.7")
    _signed_in(customer, password, LAPTOP, ip="198.51.100.2")
    _signed_in(other_customer, password, LAPTOP, ip="192.0.2.99")

    page = phone.get(SESSIONS_URL).text

    assert page.count('data-testid="session"') == 2
    assert "Chrome on Android" in page
    assert "Safari on macOS" in page
    assert "203.0.113.7" in page
    assert "198.51.100.2" in page
    assert "192.0.2.99" not in page
    assert page.count("This device") == 1


@pytest.mark.django_db
def test_signing_the_others_out_ends_their_sessions_only(customer, password):
    phone = _signed_in(customer, password, PHONE)
    laptop = _signed_in(customer, password, LAPTOP)

    response = phone.post(SESSIONS_URL)

    assert response.status_code == 302
    assert SESSION_KEY in phone.session
    assert laptop.get(reverse("pets:list")).status_code == 302  # to the login
    assert UserSession.objects.filter(user=customer).count() == 1


@pytest.mark.django_db
def test_the_sessions_page_needs_a_signed_in_user(client):
    assert client.get(SESSIONS_URL)["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_last_seen_is_kept_at_most_every_five_minutes(customer, password):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        phone = _signed_in(customer, password, PHONE)
        clock.shift(datetime.timedelta(minutes=4))
        phone.get(reverse("pets:list"))
        row = UserSession.objects.get(user=customer)
        assert row.last_seen_at == start

        clock.shift(datetime.timedelta(minutes=2))
        phone.get(reverse("pets:list"), REMOTE_ADDR="198.51.100.2")

    row.refresh_from_db()
    assert row.last_seen_at == start + datetime.timedelta(minutes=6)
    assert row.ip == "198.51.100.2"


@pytest.mark.django_db
def test_the_sessions_page_says_when_each_device_was_last_seen(customer, password):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        laptop = _signed_in(customer, password, LAPTOP)
        clock.shift(datetime.timedelta(minutes=50))
        laptop.get(reverse("pets:list"))  # seen again
        clock.shift(datetime.timedelta(hours=2, minutes=7))
        phone = _signed_in(customer, password, PHONE)
        clock.shift(datetime.timedelta(minutes=3))

        page = phone.get(SESSIONS_URL).content.decode()

    # naturaltime says the largest unit only ("2 hours ago").
    text = " ".join(page.replace("\xa0", " ").split())
    laptop_row, phone_row = (
        text[text.index(name) :].split("</li>")[0]
        for name in ("Safari on macOS", "Chrome on Android")
    )
    assert "signed in 3 hours ago · last seen 2 hours ago" in laptop_row
    assert "signed in 3 minutes ago · last seen 3 minutes ago" in phone_row


@pytest.mark.parametrize(
    ("user_agent", "name"),
    [
        (PHONE, "Chrome on Android"),
        (LAPTOP, "Safari on macOS"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
            "like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605."
            "1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49",
            "WeChat on iOS",
        ),
        ("curl/8.5.0", "Unknown browser"),
        ("", "Unknown browser"),
    ],
)
def test_the_browser_is_named_for_people(user_agent, name):
    assert device_name(user_agent) == name


# --- the sockets of a signed-out session ------------------------------------

NOTIFICATIONS = "/ws/notifications/"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_signing_another_session_out_closes_its_sockets_only(customer, password):
    phone = await sync_to_async(_signed_in)(customer, password, PHONE)
    laptop = await sync_to_async(_signed_in)(customer, password, LAPTOP)
    phone_socket, _ = await connected(NOTIFICATIONS, None, cookie=_cookie(phone))
    laptop_socket, _ = await connected(NOTIFICATIONS, None, cookie=_cookie(laptop))

    await sync_to_async(phone.post)(SESSIONS_URL)

    assert await closed_with(laptop_socket) == CLOSE_SESSION_ENDED
    assert await nothing_but_presence(phone_socket)
    await phone_socket.disconnect()


def _cookie(browser):
    return browser.cookies["sessionid"].value
