"""A customer on a phone gets a copy of their data by e-mail and downloads
it signed in; then asks to close the account (the password again first),
is signed out, signs in again within the grace period and keeps it."""

import io
import json
import re
import zipfile

import pytest
from playwright.sync_api import expect

from accounts.models import AccountClosure
from accounts.tests.factories import PASSWORD

from .browsing import log_in, make_customer

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}


def _fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{width}px wide"


def test_a_customer_downloads_their_data_then_closes_and_keeps_the_account(
    page, new_page, screenshot, mailbox, transactional_db
):
    make_customer("noa")
    page.set_viewport_size(PHONE)
    log_in(page, "noa", PASSWORD)
    page.goto("/accounts/profile/")
    expect(page.get_by_test_id("your-data")).to_be_visible()
    _fits_the_phone(page)
    screenshot("your data on the profile")

    page.get_by_test_id("export-request").click()
    expect(page.locator("body")).to_contain_text("A link to download it")
    body = mailbox.body(mailbox.last_to("noa@example.com", timeout=15))
    link = re.search(r"https?://\S+/accounts/profile/data/\S+/", body).group(0)
    path = "/" + link.split("/", 3)[3]

    archive = zipfile.ZipFile(io.BytesIO(page.request.get(path).body()))
    account = json.loads(archive.read("account.json"))
    assert account["profile"]["username"] == "noa"
    # Somebody else's browser, signed in as another customer, gets nothing.
    other = new_page()
    make_customer("eli")
    log_in(other, "eli", PASSWORD)
    assert other.request.get(path).status == 404

    page.goto("/accounts/profile/")
    page.get_by_test_id("close-account-link").click()
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.locator("[name=password]").fill(PASSWORD)
    page.locator("main form").get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/accounts/profile/close/"))
    _fits_the_phone(page)
    screenshot("closing the account")
    page.get_by_test_id("close-account-confirm").click()
    expect(page.locator("body")).to_contain_text("Your account will be closed on")
    assert AccountClosure.objects.filter(user__username="noa").exists()
    mailbox.last_to("noa@example.com")

    log_in(page, "noa", PASSWORD)
    expect(page.locator("body")).to_contain_text("To keep it, cancel the closure")
    page.goto("/accounts/profile/")
    page.get_by_test_id("closure-cancel").click()
    expect(page.locator("body")).to_contain_text("Your account stays open.")
    screenshot("account kept")
    assert not AccountClosure.objects.exists()
