"""Issue 16: on a phone-sized screen an owner finds a day full, joins the
waitlist from the booking page, is offered the place another owner frees, and
takes it; the desk books for a customer on the phone without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from e2e.browsing import fits_375, log_in, make_customer, with_server_password
from pets.tests.factories import PetFactory
from reservations import services
from reservations.models import ClinicSettings, Reservation, Slot, State, WaitlistEntry
from reservations.slots import slot_times
from reservations.tests.factories import book, make_front_desk, tomorrow_at

pytestmark = pytest.mark.e2e


def fill_tomorrow():
    """Tomorrow fully booked: one real visit at 10:00, every other time full."""
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1)
    early = book(
        PetFactory(owner=make_customer("bob"), name="Tom"), starts_at=tomorrow_at(10)
    )
    day = tomorrow_at(10).date()
    for start in slot_times(day, rules=ClinicSettings.current()):
        Slot.objects.get_or_create(
            starts_at=start, defaults={"capacity": 1, "booked": 1}
        )
    return early


def test_an_owner_joins_the_waitlist_and_takes_a_freed_place(
    page, screenshot, transactional_db
):
    early = fill_tomorrow()
    owner = make_customer("alice")
    mochi = PetFactory(owner=owner, name="Mochi")
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, "alice", PASSWORD)

    page.goto("/reservations/new/")
    page.locator("[data-booking-day]").fill(tomorrow_at(10).date().isoformat())
    page.locator("[data-booking-day]").dispatch_event("change")
    link = page.get_by_test_id("waitlist-link")
    expect(link).to_be_visible()
    link.click()

    expect(page.locator("select[name=pet]")).to_have_value(str(mochi.pk))
    page.get_by_label("Reason for the visit").fill("Yearly check-up.")
    screenshot("the waitlist form at 375 px")
    assert fits_375(page)
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_test_id("waitlist")).to_contain_text("Mochi")

    services.reservation_transition(
        reservation=early, to_state=State.CANCELLED, by=early.pet.owner, note="Away."
    )

    page.reload()
    page.get_by_role("link", name="A place is held for you").click()
    expect(page.get_by_test_id("offer-time")).to_contain_text("We hold it for you")
    screenshot("the offer at 375 px")
    assert fits_375(page)
    page.get_by_role("button", name="Take this place").click()
    expect(page.locator("body")).to_contain_text(re.compile("The place is yours"))
    assert fits_375(page)

    visit = Reservation.objects.get(pet=mochi)
    assert visit.slot.starts_at == tomorrow_at(10)
    assert WaitlistEntry.objects.get().state == WaitlistEntry.State.BOOKED


def test_the_desk_books_for_a_customer_without_javascript(
    browser, daphne_server, django_db_serialized_rollback, transactional_db
):
    desk_user = with_server_password(make_front_desk(username="reception"))
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
        desk.goto("/admin/reservations/reservation/book/")
        desk.get_by_label("Find a customer or pet").fill("13800138000")
        desk.get_by_role("button", name="Find", exact=True).click()
        desk.locator("select[name=pet]").select_option(str(rex.pk))
        desk.locator("input[name=day]").fill(tomorrow_at(10).date().isoformat())
        desk.get_by_role("button", name="Show free times").click()
        desk.get_by_label("10:00").check()
        desk.get_by_label("Reason for the visit").fill("Limping since Monday.")
        assert fits_375(desk)
        desk.get_by_role("button", name="Book the visit").click()
        expect(desk.locator(".messagelist")).to_contain_text("Rex's visit is booked")
    finally:
        context.close()
    visit = Reservation.objects.get(pet=rex)
    assert visit.slot.starts_at == tomorrow_at(10)
    assert visit.events.get().actor == desk_user
