"""A customer signed in on a phone and a laptop sees both devices and signs the
laptop out from the phone: the laptop's open socket closes and its next page
asks to sign in."""

import re
import time

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD

from .browsing import log_in, make_customer

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}


def test_signing_the_other_devices_out_closes_their_pages(
    page, new_page, screenshot, transactional_db
):
    make_customer("mika")
    laptop = new_page()
    closed = []
    laptop.on(
        "websocket", lambda socket: socket.on("close", lambda s: closed.append(s.url))
    )
    log_in(laptop, "mika", PASSWORD)
    expect(laptop).to_have_url(re.compile(r"/pets/$"))

    page.set_viewport_size(PHONE)
    log_in(page, "mika", PASSWORD)
    page.goto("/accounts/sessions/")
    expect(page.get_by_test_id("session")).to_have_count(2)
    expect(page.get_by_test_id("sessions")).to_contain_text("This device")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{width}px wide"
    screenshot("two devices on a phone")

    closed.clear()  # only what closes from now on counts
    page.get_by_test_id("end-other-sessions").click()

    expect(page.get_by_test_id("session")).to_have_count(1)
    screenshot("the other device signed out")
    deadline = time.monotonic() + 5
    while not closed and time.monotonic() < deadline:
        laptop.wait_for_timeout(100)
    assert any("/ws/notifications/" in url for url in closed), closed
    laptop.goto("/pets/")
    expect(laptop).to_have_url(re.compile(r"/accounts/login/"))
