"""The customer's open thread page follows the doctor live: a reply is read
where it arrives (no toast, no unread notification), and a close turns the
state badge to "Closed" and takes the form away, without a reload."""

import time

import pytest
from playwright.sync_api import expect

from accounts.models import Notification
from accounts.tests.factories import PASSWORD
from consultation.services import thread_open
from e2e.browsing import CHAT_SOCKET, log_in, make_customer, make_doctor, socket_open

pytestmark = pytest.mark.e2e


def eventually(check, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.1)


def test_the_thread_page_reads_replies_and_shows_the_close_live(
    page, new_page, screenshot, transactional_db
):
    alice = make_customer("alice")
    make_doctor("dr_chen")
    thread = thread_open(customer=alice, subject="Luna limps", text="Since today.")
    doctor = new_page()
    log_in(doctor, "dr_chen", PASSWORD)
    log_in(page, "alice", PASSWORD)
    page.goto(thread.get_absolute_url())
    expect(page.get_by_test_id("thread-state")).to_have_text("Open")
    socket_open(page, CHAT_SOCKET)
    doctor.goto(f"/admin/consultation/thread/{thread.pk}/change/")
    socket_open(doctor, CHAT_SOCKET)

    doctor.get_by_label("Message").fill("Does she put weight on the leg?")
    doctor.get_by_label("Message").press("Enter")

    expect(page.locator("[data-messages] .message-text").last).to_have_text(
        "Does she put weight on the leg?"
    )
    # Read where it arrived: the page's read mark reads its notification.
    notification = Notification.objects.filter(recipient=alice)
    eventually(lambda: notification.filter(read_at__isnull=False).exists())
    assert notification.count() == 1
    expect(page.locator("[data-unread-count]")).to_be_hidden()
    expect(page.locator("[data-toast-area] .toast")).to_have_count(0)
    screenshot("reply read where it arrived")

    doctor.get_by_role("button", name="Close consultation").click()

    expect(page.get_by_test_id("thread-state")).to_have_text("Closed")
    expect(page.get_by_test_id("closed-notice")).to_be_visible()
    expect(page.get_by_test_id("message-form")).to_have_count(0)
    screenshot("closed live")
