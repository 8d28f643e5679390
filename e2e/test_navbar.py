"""The navbar on a phone and a desktop, with and without JavaScript: the
account menu reaches Profile and Log out, and the language button keeps its
word on one line."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD

from .browsing import log_in, make_customer

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}
SIZES = [pytest.param(PHONE, id="375px"), pytest.param(DESKTOP, id="1280px")]


@pytest.fixture
def open_browser(browser, daphne_server, django_db_serialized_rollback):
    """A browser context of a given size, with JavaScript on or off."""
    contexts = []

    def open_page(*, viewport, javascript):
        context = browser.new_context(
            base_url=daphne_server.url,
            locale="en-US",
            viewport=viewport,
            java_script_enabled=javascript,
        )
        context.set_default_timeout(5_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def open_menu(page, viewport):
    """Open the phone menu if the navbar is collapsed, then the account menu."""
    if viewport is PHONE:
        # Not before the page has settled: on a slow machine a click right
        # after the navigation opened nothing (the scripts and the live
        # layer's first fetch still running), and the account menu stayed
        # hidden. A pause to take a screenshot was enough to pass.
        page.wait_for_load_state("networkidle")
        toggle = page.get_by_test_id("menu-toggle")
        expect(toggle).to_be_visible()
        toggle.click()
        # And not while the menu is still unfolding (Bootstrap's .collapsing
        # clips it): at CI once a click then left the account menu closed.
        expect(page.locator("#main-nav.collapsing")).to_have_count(0)
        expect(page.locator("#main-nav")).to_be_visible()
    page.locator("#account-menu").click()
    expect(page.locator("details.account-menu")).to_have_attribute("open", "")


@pytest.mark.parametrize("viewport", SIZES)
@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_the_account_menu_reaches_profile_and_log_out(
    open_browser, viewport, javascript, transactional_db
):
    make_customer("menu_user")
    page = open_browser(viewport=viewport, javascript=javascript)
    log_in(page, "menu_user", PASSWORD)
    expect(page).to_have_url(re.compile(r"/pets/$"))
    profile = page.get_by_role("link", name="Profile")
    expect(profile).to_be_hidden()

    open_menu(page, viewport)
    expect(profile).to_be_visible()
    profile.click()
    expect(page).to_have_url(re.compile(r"/accounts/profile/$"))

    open_menu(page, viewport)
    page.get_by_test_id("logout").click()
    expect(page.get_by_role("alert")).to_contain_text("You have signed out.")
    assert not any(c["name"] == "sessionid" for c in page.context.cookies())


def assert_language_button_on_one_line(page, viewport):
    if viewport is PHONE:
        page.get_by_test_id("menu-toggle").click()
    button = page.locator(".language-switcher button[type=submit]")
    expect(button).to_be_visible()
    height = button.bounding_box()["height"]
    one_line = button.evaluate(
        """b => {
            const style = getComputedStyle(b);
            return ["lineHeight", "paddingTop", "paddingBottom",
                    "borderTopWidth", "borderBottomWidth"]
                .reduce((sum, name) => sum + parseFloat(style[name]), 0);
        }"""
    )
    assert height <= one_line + 1, f"{button.inner_text()!r}: {height}px high"
    return button


@pytest.mark.parametrize("viewport", SIZES)
def test_the_language_button_keeps_its_word_on_one_line(
    open_browser, viewport, transactional_db
):
    page = open_browser(viewport=viewport, javascript=False)
    page.goto("/")
    button = assert_language_button_on_one_line(page, viewport)
    expect(button).to_have_text("Go")

    page.locator("#language-select").select_option("zh-hans")
    button.click()

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert_language_button_on_one_line(page, viewport)
