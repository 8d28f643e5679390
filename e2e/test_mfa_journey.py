"""Doctors sign in with a second factor: password, then the authenticator
app's code or a security key (Chromium's virtual authenticator); a doctor
without one is sent to set it up before the dashboard.

These journeys run their own daphne with MFA_REQUIRED_FOR_STAFF on (the
shared one runs with DEBUG on, where the rule is off by default)."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from accounts.tests.second_factor import totp_code, with_recovery_codes, with_totp
from e2e.browsing import log_in, make_doctor
from e2e.conftest import daphne
from healingpaws.tests.servers import HOST

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
        # Security keys need a domain: WebAuthn refuses an IP address as the
        # relying party's id, so the security-key journey opens localhost.
        ALLOWED_HOSTS=f"{HOST},localhost",
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


@pytest.fixture
def key_page(browser, mfa_server, django_db_serialized_rollback):
    """A phone-sized tab with a security key plugged in: Chromium's virtual
    authenticator (DevTools' WebAuthn domain), which answers every request at
    once, with the user verified. At localhost: WebAuthn takes the host as the
    relying party's id, and an IP address is not a valid one."""
    url = mfa_server.replace(f"//{HOST}:", "//localhost:")
    context = browser.new_context(base_url=url, locale="en-US", viewport=PHONE)
    context.set_default_timeout(5_000)
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "usb",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    devtools.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    yield page
    context.close()


def _add_security_key(page):
    page.goto("/accounts/2fa/webauthn/add/")
    # allauth asks for the password again before a factor is added.
    page.locator("[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/webauthn/add/$"))
    # allauth's script listens to the button from DOMContentLoaded on.
    page.wait_for_load_state()
    page.get_by_role("button", name="Add").click()


def test_a_doctor_adds_a_security_key_and_signs_in_with_it(key_page, transactional_db):
    from allauth.mfa.models import Authenticator

    page = key_page
    doctor = make_doctor("dr_key")

    log_in(page, "dr_key", PASSWORD)
    _add_security_key(page)

    # The first factor comes with recovery codes.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    expect(page.get_by_role("alert").first).to_contain_text("Security key added.")
    _fits_the_screen(page)
    _shoot(page, "mfa-security-key", "01-added")
    key = Authenticator.objects.get(user=doctor, type=Authenticator.Type.WEBAUTHN)

    page.goto("/accounts/logout/")
    page.locator("main form").get_by_role("button", name="Sign Out").click()
    expect(page).to_have_url(re.compile(r"/$"))
    log_in(page, "dr_key", PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.wait_for_load_state()
    _shoot(page, "mfa-security-key", "02-second-step")
    page.get_by_role("button", name="Use a security key").click()

    expect(page).to_have_url(re.compile(r"/admin/$"))
    _shoot(page, "mfa-security-key", "03-dashboard")
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_a_security_key_at_an_ip_address_says_why_it_is_not_used(
    phone_page, transactional_db
):
    # The auditor's probe: at http://127.0.0.1 Chromium refuses the key
    # (SecurityError "invalid domain"), and the button seemed to do nothing.
    page = phone_page
    make_doctor("dr_ip")
    log_in(page, "dr_ip", PASSWORD)
    _add_security_key(page)

    alert = page.locator("[data-security-key-error]")
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_contain_text("not at an IP address")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/webauthn/add/$"))
