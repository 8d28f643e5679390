"""A customer and a doctor chat live, each in their own browser; the doctor
then starts the pet's treatment in the dashboard and the customer's open
visit page shows it without a reload."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from consultation.models import CATCH_UP_PAGE_SIZE, Message, Thread
from consultation.tests.factories import MessageFactory, ThreadFactory
from e2e.browsing import (
    BELL_SOCKET,
    CHAT_SOCKET,
    log_in,
    make_customer,
    make_doctor,
    socket_open,
)
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
    socket_open(page, CHAT_SOCKET)
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
    socket_open(doctor, CHAT_SOCKET)  # Enter sends on it, not by a post
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
    socket_open(page, BELL_SOCKET)
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


def test_after_a_lost_connection_the_chat_page_shows_every_missed_message(
    page, transactional_db
):
    """More were missed than one page of history holds (30): the page asks for
    everything after the last message it holds, page by page, and shows them
    in order."""
    alice = make_customer("alice")
    thread = ThreadFactory(customer=alice, subject="Luna is limping")
    MessageFactory(thread=thread, text="Before the loss.")
    sockets = []
    # Between the page and the server, so that the test can cut the line.
    page.route_web_socket(
        re.compile(r"/ws/consultation/"),
        lambda route: (sockets.append(route), route.connect_to_server()),
    )
    log_in(page, "alice", PASSWORD)
    page.goto(thread.get_absolute_url())
    expect(messages(page)).to_have_text(["Before the loss."])
    socket_open(page, CHAT_SOCKET)

    # Written straight to the database: no push reaches the page.
    missed = [f"Missed {n}" for n in range(CATCH_UP_PAGE_SIZE + 15)]
    for text in missed:
        MessageFactory(thread=thread, text=text)
    sockets[-1].close(code=1011, reason="lost")

    expect(messages(page)).to_have_count(1 + len(missed), timeout=15_000)
    expect(messages(page)).to_have_text(["Before the loss.", *missed])
    # Read up to the last one, in one read frame (one per message tripped
    # the socket's rate limit, whose error the page then showed).
    latest = Message.objects.filter(thread=thread).latest("pk").pk
    for _ in range(50):
        mark = thread.read_marks.filter(user=alice).first()
        if mark and mark.last_read_message_id == latest:
            break
        page.wait_for_timeout(100)
    assert mark.last_read_message_id == latest
    expect(page.locator("[data-send-feedback]")).to_be_hidden()
