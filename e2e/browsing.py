"""What the browser journeys do as a person would: accounts the server can
check a password of, signing in, waiting for a page's socket, fitting a phone.
(The fixtures that start the server and the browser: conftest.py.)"""

import re

from playwright.sync_api import expect


def make_customer(username):
    """A verified customer whose password the server can check."""
    from accounts.tests.factories import UserFactory

    return with_server_password(
        UserFactory(username=username, email=f"{username}@example.com")
    )


def make_doctor(username):
    """A doctor whose password the server can check."""
    from accounts.tests.factories import DoctorFactory

    return with_server_password(
        DoctorFactory(username=username, email=f"{username}@healingpaws.example")
    )


def with_server_password(user):
    """The unit tests' fast MD5 hasher (root conftest) is unknown to the server
    process, so the password is hashed with the production default here."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from accounts.tests.factories import PASSWORD

    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    return user


def log_in(page, login, password):
    """Sign in through the login form, as a person would."""
    page.goto("/accounts/login/")
    page.locator("[name=login]").fill(login)
    page.locator("[name=password]").fill(password)
    page.locator("form").get_by_role("button", name=re.compile("Sign In|登录")).click()
    page.wait_for_load_state()


# The elements the pages open their sockets on: static/js/lib/socket.js marks
# each with data-socket-open while its socket is open.
DASHBOARD_SOCKET = "[data-live-dashboard]"
BELL_SOCKET = "[data-notification-bell]"
CHAT_SOCKET = "[data-consultation]"


def socket_open(page, element):
    """Wait until the page's socket on `element` is open. From then on the
    page hears every push; a push another page makes before that is missed,
    as it would be by a person who opened the page a moment later."""
    expect(page.locator(f"{element}[data-socket-open]")).to_be_attached()


def fits_375(page):
    """Nothing on the page is wider than a 375 px phone's screen, once its
    style sheets are in (before, without the admin's responsive style sheet, a page
    is laid out for a desktop: seen under load)."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth") <= 375
