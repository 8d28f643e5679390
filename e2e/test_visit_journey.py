"""A customer books a visit; a doctor triages, confirms and moves it up the
queue in the dashboard; the customer's visit page shows it all."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Notification
from accounts.tests.factories import PASSWORD
from e2e.browsing import BELL_SOCKET, log_in, make_customer, make_doctor, socket_open
from pets.tests.factories import PetFactory
from reservations.models import OpeningHours, Reservation, State, Triage, VisitType
from reservations.tests.factories import make_visit

pytestmark = pytest.mark.e2e


def first_open_day_from(day):
    """The first day from `day` on that the hospital opens, and its hours."""
    for offset in range(7):
        candidate = day + datetime.timedelta(days=offset)
        hours = OpeningHours.objects.filter(weekday=candidate.weekday()).first()
        if hours is not None and not hours.is_closed:
            return candidate, hours
    raise AssertionError("the hospital is closed all week")


def queue_rows(page, band):
    return page.locator(f'tbody[data-queue-band="{band}"] tr[data-id]')


def test_a_booked_visit_is_triaged_confirmed_and_moved_up_by_a_doctor(
    page, new_page, screenshot, mailbox, transactional_db
):
    alice = make_customer("alice")
    PetFactory(owner=alice, name="Luna")
    # The migration's type, made again if an earlier test's flush emptied it.
    VisitType.objects.get_or_create(
        name="Surgery consultation", defaults={"slot_units": 2, "position": 40}
    )
    make_doctor("dr_chen")
    log_in(page, "alice", PASSWORD)

    # Alice books: the free times follow the day she picks, without a reload.
    page.get_by_role("link", name="Visits").click()
    page.get_by_role("link", name="Book a visit").first.click()
    expect(page.get_by_role("button", name="Show free times")).to_be_hidden()
    day_after, hours = first_open_day_from(timezone.localdate() + datetime.timedelta(2))
    page.get_by_label("Day").fill(day_after.isoformat())
    # The day's first time is its opening time (Sundays open later).
    expect(page.locator("[data-slot-list] label").first).to_have_text(
        hours.opens.strftime("%H:%M")
    )
    screenshot("free times of the day")
    # A type of two slots: only the times with room for both are offered.
    page.get_by_label("Type of visit").select_option(label="Surgery consultation")
    expect(page.locator("[data-length-caption]")).to_contain_text("2 consecutive slots")
    page.locator("[data-slot-list] label", has_text="09:30").click()
    page.get_by_label("Symptoms").fill("Limping on the left hind leg since Monday.")
    page.get_by_label("Has your pet collapsed or had a seizure?").check()
    expect(page.locator("[data-red-flag-warning]")).to_be_visible()
    screenshot("booking with a red flag")
    page.get_by_test_id("book").click()

    expect(page.get_by_test_id("come-in-now")).to_be_visible()
    expect(page.get_by_test_id("visit-state")).to_have_text("Requested")
    socket_open(page, BELL_SOCKET)  # the doctor's moves come live
    expect(page.get_by_test_id("visit-triage")).to_contain_text("Untriaged")
    expect(page.get_by_test_id("visit-type")).to_have_text("Surgery consultation")
    screenshot("visit requested")
    luna = Reservation.objects.get(pet__name="Luna")
    assert timezone.localtime(luna.slot.starts_at) == datetime.datetime.combine(
        day_after, datetime.time(9, 30), tzinfo=timezone.get_current_timezone()
    )
    # Another emergency of that day is ahead of Luna in the queue.
    make_visit(
        PetFactory(name="Bolt"),
        starts_at=luna.slot.starts_at,
        state=State.CONFIRMED,
        triage=Triage.EMERGENCY,
        queue_position=0,
    )

    # Dr Chen finds Luna, triages her as an emergency and confirms the visit.
    doctor = new_page()
    log_in(doctor, "dr_chen", PASSWORD)
    doctor.goto("/admin/reservations/reservation/?q=Luna")
    row = doctor.locator("#result_list tbody tr", has_text="Luna")
    expect(row).to_contain_text("Possible emergency")
    for action, done in [
        ("Triage as emergency", "1 visit triaged as emergency."),
        ("Confirm", "1 visit confirmed."),
    ]:
        row.locator("input.action-select").check()
        doctor.locator("select[name=action]").select_option(label=action)
        doctor.get_by_role("button", name="Go").click()
        expect(doctor.locator(".messagelist")).to_contain_text(done)
    expect(row).to_contain_text("Emergency")
    screenshot("doctor triaged and confirmed", of=doctor)

    # Alice's open page has heard of it, without a reload.
    expect(page.get_by_test_id("visit-state")).to_have_text("Confirmed")
    # She is reading this visit, so its two notifications count as read: the
    # bell stays dark (item 22 of issue 11: reading the thing reads them).
    expect(page.locator("[data-notification-bell] [data-unread-count]")).to_be_hidden()
    notifications = Notification.objects.filter(recipient=alice)
    assert notifications.count() == 2
    assert not notifications.filter(read_at=None).exists()
    screenshot("customer page updated live")

    # On the queue of that day, Luna is dragged above Bolt.
    doctor.goto(f"/admin/reservations/reservation/queue/?date={day_after}")
    expect(queue_rows(doctor, "emergency")).to_have_text(
        [re.compile("Bolt"), re.compile("Luna")]
    )
    expect(doctor.locator("[data-queue-ready]")).to_be_attached()  # draggable
    queue_rows(doctor, "emergency").nth(1).drag_to(
        queue_rows(doctor, "emergency").nth(0)
    )
    expect(doctor.locator("[data-queue-status]")).to_have_text("Saved")
    screenshot("luna moved to the top", of=doctor)

    # Alice reloads her visit page: confirmed, emergency, first in the queue.
    page.reload()
    expect(page.get_by_test_id("visit-state")).to_have_text("Confirmed")
    expect(page.get_by_test_id("visit-triage")).to_contain_text("Emergency")
    expect(page.get_by_test_id("queue-place")).to_have_text("Number 1")
    expect(page.get_by_test_id("estimated-wait")).to_contain_text("You are next")
    expect(page.get_by_test_id("visit-events")).to_contain_text("Triaged: Emergency")
    screenshot("customer sees the new state and place")
    # Each change was mailed to Alice (files are not in sending order).
    mailbox.last_to("alice@example.com")
    subjects = sorted(
        message["Subject"]
        for message in mailbox.messages()
        if "alice@example.com" in message["To"]
    )
    assert subjects == [
        "[Healing Paws] Luna's visit has been triaged: Emergency",
        "[Healing Paws] Luna's visit: Confirmed",
        "[Healing Paws] We have your booking for Luna",
    ]
