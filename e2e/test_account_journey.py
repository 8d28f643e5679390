"""A visitor's first visit, end to end: signup, e-mail, login, language, logout."""

import re
import uuid

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from accounts.models import User

pytestmark = pytest.mark.e2e

PASSWORD = "Wagging-Tails-2024!"
CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/[^/\s]+/")
PHONE_WIDTH = 375


def test_visitor_signs_up_verifies_logs_in_and_switches_to_chinese(
    page, screenshot, mailbox, transactional_db
):
    """The path every customer takes first, through the real browser and server.

    Unit tests cover each view; only this one shows that the pieces meet: the
    link in the e-mail, the session cookie, the language kept in the profile.
    """
    # A fresh address each run: allauth's e-mail cooldown is kept per address
    # in the cache, which outlives the run when it is Redis.
    tag = uuid.uuid4().hex[:8]
    username = f"paws_{tag}"
    email = f"owner.{tag}@example.com"

    page.goto("/accounts/signup/")
    page.locator("[name=username]").fill(username)
    page.locator("[name=email]").fill(email)
    page.locator("[name=password1]").fill(PASSWORD)
    page.locator("[name=password2]").fill(PASSWORD)
    page.get_by_label("I accept the hospital's").check()
    screenshot("signup form filled")
    page.get_by_role("button", name="Sign Up").click()

    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    expect(page.locator("h1")).to_contain_text("Verify Your Email Address")
    screenshot("verification sent")

    body = mailbox.body(mailbox.last_to(email))
    link = CONFIRM_LINK.search(body)
    assert link, f"no confirmation link in:\n{body}"
    page.goto(link.group())
    screenshot("confirm e-mail")
    page.get_by_role("button", name="Confirm").click()
    # Confirmed in the browser that signed up: signed in at once, on My pets.
    expect(page).to_have_url(re.compile(r"/pets/$"))
    expect(page.get_by_test_id("empty-pets")).to_be_visible()
    screenshot("e-mail confirmed and signed in")
    page.locator("#account-menu").click()
    page.get_by_test_id("logout").click()
    expect(page.get_by_role("alert")).to_contain_text("You have signed out.")

    page.goto("/accounts/login/")
    page.locator("[name=login]").fill(email)
    page.locator("[name=password]").fill(PASSWORD)
    page.locator("[name=remember]").check()
    screenshot("login form filled")
    page.get_by_role("button", name="Sign In").click()

    # A new customer lands on "My pets", which invites them to add one.
    expect(page).to_have_url(re.compile(r"/pets/$"))
    expect(page.get_by_test_id("empty-pets")).to_be_visible()
    screenshot("logged in my pets")
    page.get_by_role("link", name="Healing Paws").click()
    expect(page.get_by_test_id("greeting")).to_contain_text(username)
    # The language menu sends itself once site.js runs (it marks the page js).
    expect(page.locator("html")).to_have_class(re.compile(r"\bjs\b"))
    screenshot("logged in home")
    session = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    assert session["expires"] > 0, "Remember Me should outlive the browser session"

    with page.expect_navigation():
        page.locator("#language-select").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    screenshot("home in chinese")
    expect(page.locator("h1")).to_have_text("用心呵护您所爱的动物")

    page.locator("#account-menu").click()
    page.get_by_test_id("logout").click()
    expect(
        page.get_by_role("navigation").get_by_role("link", name="登录")
    ).to_be_visible()
    screenshot("logged out in chinese")

    user = User.objects.get(username=username)
    assert EmailAddress.objects.get(user=user, email=email).verified
    assert user.preferred_language == "zh-hans"


@pytest.mark.parametrize(
    "path",
    [pytest.param("/", id="home"), pytest.param("/accounts/signup/", id="signup")],
)
def test_page_fits_a_phone_screen_without_sideways_scrolling(page, screenshot, path):
    """Most owners come on a phone: a page wider than the screen hides its edge."""
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    page.goto(path)
    screenshot("phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{path} is {width}px wide on a {PHONE_WIDTH}px screen"


def test_signup_hints_while_typing(page, screenshot, transactional_db):
    """The live checks use the server's own messages before the form is sent."""
    User.objects.create_user("biscuit", "biscuit@example.com", PASSWORD)
    page.goto("/accounts/signup/")

    page.locator("[name=username]").press_sequentially("biscuit")
    expect(page.locator('[data-feedback-for="username"]')).to_contain_text("already")
    page.locator("[name=email]").press_sequentially("not-an-address")
    expect(page.locator('[data-feedback-for="email"]')).not_to_be_empty()
    screenshot("hints shown")

    page.locator("[name=username]").fill("")
    page.locator("[name=username]").press_sequentially("biscuit_2")
    expect(page.locator("[name=username]")).to_have_class(re.compile("is-valid"))
    expect(page.locator('[data-feedback-for="username"]')).to_be_empty()
    screenshot("hint cleared")
