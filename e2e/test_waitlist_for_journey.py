"""Issue 16: the desk puts a customer on the waitlist on the phone, at 375 px
and without JavaScript, in both languages."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from e2e.browsing import fits_375, log_in, make_customer, with_server_password
from pets.tests.factories import PetFactory
from reservations.models import WaitlistEntry
from reservations.tests.factories import make_front_desk, tomorrow_at

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_desk_puts_a_customer_on_the_waitlist_without_javascript(
    browser, daphne_server, django_db_serialized_rollback, transactional_db, language
):
    with_server_password(
        make_front_desk(username="reception", preferred_language=language)
    )
    owner = make_customer("alice")
    owner.phone = "138 0013 8000"
    owner.save(update_fields=["phone"])
    rex = PetFactory(owner=owner, name="Rex")
    context = browser.new_context(
        base_url=daphne_server.url,
        java_script_enabled=False,
        viewport={"width": 375, "height": 800},
    )
    context.set_default_timeout(5_000)
    desk = context.new_page()
    try:
        log_in(desk, "reception", PASSWORD)
        desk.goto("/admin/reservations/waitlistentry/")
        desk.get_by_test_id("waitlist-for-link").click()
        expect(desk.locator("html")).to_have_attribute("lang", language)
        desk.locator("input[name=q]").fill("13800138000")
        desk.locator("button[name=search]").click()
        desk.locator("select[name=pet]").select_option(str(rex.pk))
        day = tomorrow_at(10).date().isoformat()
        desk.locator("input[name=first_day]").fill(day)
        desk.locator("input[name=last_day]").fill(day)
        desk.locator("textarea[name=symptoms]").fill("Yearly check-up.")
        desk.wait_for_load_state("load")
        assert fits_375(desk)
        desk.locator("input[name=join]").click()
        expect(desk.locator(".messagelist")).to_contain_text("Rex")
        # The list's table scrolls inside its box once the styles are in.
        desk.wait_for_load_state("load")
        assert fits_375(desk)
    finally:
        context.close()
    entry = WaitlistEntry.objects.get()
    assert (entry.owner, entry.pet, entry.by_staff) == (owner, rex, True)
