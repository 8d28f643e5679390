"""Doctors sign in with a second factor: password, then the authenticator
app's code; a doctor without one is sent to set it up before the dashboard.

These journeys run their own daphne with MFA_REQUIRED_FOR_STAFF on (the
shared one runs with DEBUG on, where the rule is off by default)."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from accounts.tests.second_factor import totp_code, with_recovery_codes, with_totp
from e2e.conftest import daphne, log_in, make_doctor

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 800}


@pytest.fixture(scope="module")
def mfa_server(django_db_setup, tmp_path_factory):
    from e2e.conftest import ARTIFACTS_DIR

    ARTIFACTS_DIR.mkdir(exist_ok=True)
    with daphne(
        ARTIFACTS_DIR / "daphne-mfa.log",
        mail_dir=tmp_path_factory.mktemp("mfa-mail"),
        media_dir=tmp_path_factory.mktemp("mfa-media"),
        MFA_REQUIRED_FOR_STAFF="true",
    ) as (url, _process):
        yield url


@pytest.fixture
def phone_page(browser, mfa_server, django_db_serialized_rollback):
    """A phone-sized tab on the server that requires staff's second factor."""
    context = browser.new_context(base_url=mfa_server, locale="en-US", viewport=PHONE)
    context.set_default_timeout(5_000)
    yield context.new_page()
    context.close()


def _shoot(page, folder, name):
    from e2e.conftest import ARTIFACTS_DIR

    path = ARTIFACTS_DIR / folder
    path.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path / f"{name}.png", full_page=True)


def _fits_the_screen(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{width}px wide"


def test_a_doctor_signs_in_with_password_and_authenticator_code(
    phone_page, transactional_db
):
    page = phone_page
    doctor = make_doctor("dr_totp")
    secret = with_totp(doctor)

    log_in(page, "dr_totp", PASSWORD)

    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    expect(page.locator("h1")).to_contain_text("Two-Factor Authentication")
    _fits_the_screen(page)
    _shoot(page, "mfa-sign-in", "01-code")
    page.locator("[name=code]").fill(totp_code(secret))
    code_form = page.locator("form[action$='/2fa/authenticate/']").first
    code_form.get_by_role("button", name="Sign In").click()

    expect(page).to_have_url(re.compile(r"/admin/$"))
    _shoot(page, "mfa-sign-in", "02-dashboard")


def test_a_doctor_without_a_second_factor_is_sent_to_set_one_up(
    phone_page, transactional_db
):
    page = phone_page
    make_doctor("dr_new")

    log_in(page, "dr_new", PASSWORD)
    page.goto("/admin/")

    expect(page).to_have_url(re.compile(r"/accounts/2fa/$"))
    expect(page.get_by_role("alert")).to_contain_text("second factor")
    _fits_the_screen(page)
    _shoot(page, "mfa-set-up", "01-sent-to-set-up")
    page.get_by_role("link", name="Activate").click()
    # allauth asks for the password again before a factor is added.
    page.locator("[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    expect(page.locator("img[src^='data:image/svg+xml']")).to_be_visible()
    _fits_the_screen(page)
    _shoot(page, "mfa-set-up", "02-qr-code")
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("[name=code]").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()

    expect(page.locator("h1")).to_contain_text("Recovery Codes")
    _shoot(page, "mfa-set-up", "03-recovery-codes")
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    _shoot(page, "mfa-set-up", "04-dashboard")


def test_a_recovery_code_signs_a_doctor_in_once(phone_page, transactional_db):
    page = phone_page
    doctor = make_doctor("dr_lost_phone")
    with_totp(doctor)
    code = with_recovery_codes(doctor)[0]

    for attempt in ("first", "again"):
        log_in(page, "dr_lost_phone", PASSWORD)
        page.locator("[name=code]").fill(code)
        code_form = page.locator("form[action$='/2fa/authenticate/']").first
        code_form.get_by_role("button", name="Sign In").click()
        _shoot(page, "mfa-recovery-code", attempt)
        if attempt == "first":
            expect(page).to_have_url(re.compile(r"/admin/$"))
            page.context.clear_cookies()

    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    expect(page.locator("form.account-form").first).to_contain_text("Incorrect code.")
