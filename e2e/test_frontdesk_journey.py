"""Issue 16: the front desk registers an emergency walk-in for a new customer
on a phone-sized screen; it appears at the top of the emergency band on a
doctor's open queue page without a reload, and when its maximum wait (cut to
a minute here) has passed the row turns red and an alert reaches the page."""

import datetime
import os
import re
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from core.presence import DOCTOR, online_count
from e2e.browsing import (
    DASHBOARD_SOCKET,
    fits_375,
    log_in,
    make_customer,
    make_doctor,
    socket_open,
    with_server_password,
)
from pets.tests.factories import PetFactory
from reservations import reminders
from reservations.models import MaxWait, Reservation, State, Triage
from reservations.tests.factories import make_front_desk, make_visit

pytestmark = pytest.mark.e2e

QUEUE = "/admin/reservations/reservation/queue/"


def emergency_rows(page):
    return page.locator('tbody[data-queue-band="emergency"] tr[data-id]')


def test_an_emergency_walk_in_reaches_the_doctors_queue_and_its_alarm(
    page, new_page, screenshot, transactional_db
):
    make_doctor("dr_chen")
    with_server_password(make_front_desk(username="reception"))
    owner = make_customer("alice")
    make_visit(
        PetFactory(owner=owner, name="Bolt"),
        triage=Triage.EMERGENCY,
        state=State.CONFIRMED,
    )
    MaxWait.objects.filter(band=Triage.EMERGENCY).update(minutes=1)
    errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and errors.append(message.text),
    )
    # The doctor's browser runs on a clock the test can move on.
    page.clock.install()
    log_in(page, "dr_chen", PASSWORD)
    page.goto(QUEUE)
    expect(emergency_rows(page)).to_have_text([re.compile("Bolt")])
    expect(page.locator("[data-wait-alerts]")).to_be_visible()
    socket_open(page, DASHBOARD_SOCKET)

    desk = new_page()
    desk.set_viewport_size({"width": 375, "height": 800})
    log_in(desk, "reception", PASSWORD)
    desk.goto("/admin/")
    desk.get_by_test_id("walk-in-link").click()
    expect(desk.get_by_role("heading", name="Register a walk-in")).to_be_visible()
    desk.get_by_label("Customer's name").fill("Wang Fang")
    desk.get_by_label("Phone").fill("138 0013 8000")
    desk.get_by_label("E-mail (optional)").fill("fang@example.com")
    desk.get_by_label("Pet's name").fill("Doudou")
    desk.get_by_label("Species").select_option("cat")
    desk.get_by_label("Reason for the visit").fill("Hit by a car, bleeding.")
    desk.get_by_label("Emergency").check()
    screenshot("the walk-in form at 375 px", of=desk)
    assert fits_375(desk)
    desk.get_by_role("button", name="Register and check in").click()

    expect(desk.locator(".messagelist")).to_contain_text(
        "Doudou is checked in and in today’s queue (Emergency)."
    )
    # The new customer's claim code, once, on a slip that fits the phone.
    expect(desk.locator(".claim-slip-code")).to_have_text(
        re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")
    )
    desk.wait_for_load_state("load")  # measured with its style sheets in
    slip = desk.locator(".claim-slip").bounding_box()
    assert slip["x"] >= 0
    assert slip["x"] + slip["width"] <= 375
    screenshot("the claim code to hand to the new customer at 375 px", of=desk)
    assert fits_375(desk)
    desk.goto(QUEUE)
    screenshot("the desk's queue after the walk-in", of=desk)
    visit = Reservation.objects.get(pet__name="Doudou")
    assert (visit.state, visit.walk_in) == (State.CHECKED_IN, True)

    # The doctor's page follows without a reload: the walk-in tops the band.
    expect(emergency_rows(page)).to_have_text(
        [re.compile("Doudou"), re.compile("Bolt")]
    )
    doudou = page.locator(f"#queue-visit-{visit.pk}")
    expect(doudou).not_to_have_class(re.compile("wait-overdue"))
    screenshot("the doctor's queue with the walk-in")

    # A minute and a bit later it has waited too long.
    page.clock.fast_forward("01:10")
    expect(doudou).to_have_class(re.compile("wait-overdue"))
    expect(doudou.locator("[data-wait-flag]")).to_be_visible()
    expect(page.locator("[data-wait-alert-list]")).to_contain_text(
        "Doudou has waited longer than the 1 minute allowed for Emergency visits."
    )
    screenshot("the overdue walk-in, red, and its alert")
    # Muting the sound is kept for the next alert.
    page.get_by_role("button", name="Mute the alert sound").click()
    expect(page.get_by_role("button", name="Turn the alert sound on")).to_be_visible()
    assert errors == []


def test_the_desk_registers_a_walk_in_for_a_known_customer_without_javascript(
    browser, daphne_server, django_db_serialized_rollback, transactional_db
):
    with_server_password(make_front_desk(username="reception"))
    owner = make_customer("alice")
    owner.phone = "138 0013 8000"
    owner.save(update_fields=["phone"])
    rex = PetFactory(owner=owner, name="Rex")
    PetFactory(owner=make_customer("bob"), name="Tom")
    context = browser.new_context(
        base_url=daphne_server.url,
        java_script_enabled=False,
        viewport={"width": 375, "height": 800},
    )
    context.set_default_timeout(5_000)
    desk = context.new_page()
    try:
        log_in(desk, "reception", PASSWORD)
        desk.goto("/admin/reservations/reservation/walk-in/")

        # The phone number as the customer says it finds their pet.
        desk.get_by_label("Find a customer or pet").fill("13800138000")
        desk.get_by_role("button", name="Find", exact=True).click()
        expect(desk.locator("[data-walk-in-found]")).to_have_text("1 pet found")
        pets = desk.locator("select[name=pet]")
        expect(pets.locator("option")).to_have_text(
            ["— choose a pet —", re.compile(r"^Rex \(.+\) — .+138 0013 8000")]
        )
        pets.select_option(str(rex.pk))
        desk.get_by_label("Reason for the visit").fill("Limping since this morning.")
        desk.get_by_label("Standard").check()
        assert fits_375(desk)
        desk.get_by_role("button", name="Register and check in").click()

        expect(desk.locator(".messagelist")).to_contain_text(
            "Rex is checked in and in today’s queue (Standard)."
        )
        expect(
            desk.locator('tbody[data-queue-band="standard"] tr[data-id]')
        ).to_have_text([re.compile("Rex")])
    finally:
        context.close()
    visit = Reservation.objects.get()
    assert (visit.pet.name, visit.state, visit.triage) == (
        "Rex",
        State.CHECKED_IN,
        Triage.STANDARD,
    )


def test_a_doctor_on_another_dashboard_page_is_alerted_of_an_overdue_visit(
    page, new_page, screenshot, transactional_db
):
    """Not on the queue nor the Today panel: the pets list. The minute's job
    (run by the worker, as the schedule would) tells the doctors' sockets."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL: the worker's push reaches daphne through it")
    make_doctor("dr_chen")
    with_server_password(make_front_desk(username="reception"))
    owner = make_customer("alice")
    log_in(page, "dr_chen", PASSWORD)
    page.goto("/admin/pets/pet/")
    alerts = page.locator("[data-wait-alerts]")
    expect(alerts).to_be_hidden()
    socket_open(page, DASHBOARD_SOCKET)
    desk = new_page()
    desk.set_viewport_size({"width": 375, "height": 800})
    log_in(desk, "reception", PASSWORD)
    desk.goto("/admin/reservations/reservation/")
    _wait_until_online(doctors=1)
    # Checked in 20 minutes ago (after the doctor left the Today panel, whose
    # rows would have alerted the tab already).
    bolt = make_visit(
        PetFactory(owner=owner, name="Bolt"),
        triage=Triage.EMERGENCY,
        state=State.CHECKED_IN,
        checked_in_at=timezone.now() - datetime.timedelta(minutes=20),
    )

    reminders.alert_overdue_visits.enqueue()

    expect(alerts).to_be_visible()
    expect(alerts.locator("[data-wait-alert-list]")).to_have_text(
        "Bolt has waited longer than the 15 minutes allowed for Emergency visits."
    )
    screenshot("the alert on the pets list")
    bolt.refresh_from_db()
    assert bolt.overdue_alerted_at is not None
    # The desk hears nothing of it (and its page has no alert box at all).
    assert desk.locator("[data-wait-alerts]").count() == 0
    expect(desk.locator("body")).not_to_contain_text("Bolt has waited")


def _wait_until_online(*, doctors, timeout=5.0):
    """Until the doctors' dashboard sockets are open (they count online once
    they have joined their groups): a push before that reaches nobody."""
    deadline = time.monotonic() + timeout
    while online_count(DOCTOR) != doctors:
        assert time.monotonic() < deadline, "the doctor's socket did not open"
        time.sleep(0.1)
