"""A customer and a doctor chat live, each in their own browser; the doctor
then starts the pet's treatment in the dashboard and the customer's open
visit page shows it without a reload."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from consultation.models import Message, Thread
from e2e.conftest import log_in, make_customer, make_doctor
from pets.tests.factories import PetFactory
from reservations.models import Reservation, State, Triage
from reservations.tests.factories import make_visit, today_at

pytestmark = pytest.mark.e2e


def messages(page):
    return page.locator("[data-messages] [data-kind=user] .message-text")


def test_a_customer_and_a_doctor_chat_live_and_the_visit_page_follows(
    page, new_page, screenshot, transactional_db
):
    alice = make_customer("alice")
    luna = PetFactory(owner=alice, name="Luna")
    make_doctor("dr_chen")
    make_visit(
        luna, starts_at=today_at(9), state=State.CHECKED_IN, triage=Triage.STANDARD
    )

    # Dr Chen is signed in: customers see a doctor online.
    doctor = new_page()
    log_in(doctor, "dr_chen", PASSWORD)
    doctor.goto("/")
    log_in(page, "alice", PASSWORD)
    page.goto("/")
    expect(page.get_by_test_id("online-doctor")).to_have_text("1 doctor online now")

    # Alice asks about Luna.
    page.goto("/consultation/new/")
    page.get_by_label("Subject").fill("Luna is limping")
    page.get_by_label("About which pet?").select_option(label="Luna")
    page.get_by_label("Message").fill("She limps since this morning.")
    page.get_by_role("button", name=re.compile("Start|Send")).click()
    expect(messages(page)).to_have_text(["She limps since this morning."])
    thread = Thread.objects.get(subject="Luna is limping")
    screenshot("customer opened a consultation")

    # Dr Chen answers from the dashboard's thread page, with Enter.
    doctor.goto(f"/admin/consultation/thread/{thread.pk}/change/")
    expect(doctor.get_by_test_id("online-customer")).to_have_text(
        "1 customer online now"
    )
    expect(doctor.locator("[data-messages] .message-text")).to_have_text(
        ["She limps since this morning."]
    )
    doctor.get_by_label("Message").fill("Does she put weight on the leg?")
    doctor.get_by_label("Message").press("Enter")
    expect(doctor.get_by_label("Message")).to_have_value("")

    # Alice sees the answer without a reload, and that a doctor read hers.
    expect(messages(page)).to_have_text(
        ["She limps since this morning.", "Does she put weight on the leg?"]
    )
    expect(page.get_by_test_id("sender").last).to_have_text(re.compile("."))
    expect(page.locator("[data-messages] [data-seen]")).to_have_text(
        re.compile("Seen by a doctor")
    )
    screenshot("customer got the answer live")

    # Alice answers, with a line break (Shift+Enter) and Enter to send.
    text = page.get_by_role("textbox", name="Message")
    text.fill("A little.")
    text.press("Shift+Enter")
    text.type("Only when she walks slowly.")
    text.press("Enter")
    expect(doctor.locator("[data-messages] .message-text").last).to_have_text(
        "A little.\nOnly when she walks slowly."
    )
    screenshot("doctor got the reply live", of=doctor)
    assert list(
        Message.objects.filter(thread=thread).values_list("text", flat=True)
    ) == [
        "She limps since this morning.",
        "Does she put weight on the leg?",
        "A little.\nOnly when she walks slowly.",
    ]

    # Alice follows Luna's visit; Dr Chen starts the treatment.
    visit = Reservation.objects.get(pet=luna)
    page.goto(visit.get_absolute_url())
    expect(page.get_by_test_id("visit-state")).to_have_text("Checked in")
    doctor.goto("/admin/reservations/reservation/?q=Luna")
    row = doctor.locator("#result_list tbody tr", has_text="Luna")
    row.locator("input.action-select").check()
    doctor.locator("select[name=action]").select_option(label="Advance one step")
    doctor.get_by_role("button", name="Go").click()
    expect(doctor.locator(".messagelist")).to_contain_text("1")
    screenshot("doctor started the treatment", of=doctor)

    expect(page.get_by_test_id("visit-state")).to_have_text("In treatment")
    screenshot("customer visit page updated live")
    visit.refresh_from_db()
    assert visit.state == State.IN_TREATMENT
