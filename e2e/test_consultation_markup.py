"""Whatever a chat message says is shown as text, never run or rendered as
markup: live over the socket, after a reload, on both sides."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from consultation.models import Message, Thread
from e2e.browsing import CHAT_SOCKET, log_in, make_customer, make_doctor, socket_open

pytestmark = pytest.mark.e2e

HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>'


def test_a_hostile_message_is_shown_as_text_live_and_after_a_reload(
    page, new_page, screenshot, transactional_db
):
    alice = make_customer("alice")
    make_doctor("dr_chen")
    thread = Thread.objects.create(customer=alice, subject="Markup")

    doctor = new_page()
    log_in(doctor, "dr_chen", PASSWORD)
    doctor.goto(f"/admin/consultation/thread/{thread.pk}/change/")
    log_in(page, "alice", PASSWORD)
    page.goto(f"/consultation/{thread.pk}/")
    expect(page.get_by_test_id("online-doctor")).to_have_text("1 doctor online now")
    socket_open(doctor, CHAT_SOCKET)
    socket_open(page, CHAT_SOCKET)  # Enter sends on it, not by a post

    # Alice sends it over the socket; Dr Chen's open page gets it live.
    text = page.get_by_role("textbox", name="Message")
    text.fill(HOSTILE)
    text.press("Enter")
    live = doctor.locator("[data-messages] .message-text").last
    expect(live).to_have_text(HOSTILE)
    expect(page.locator("[data-messages] .message-text").last).to_have_text(HOSTILE)
    screenshot("hostile text shown as text", of=doctor)

    for reader in (page, doctor):
        assert reader.locator("[data-messages] img[src=x]").count() == 0
        assert reader.locator("[data-messages] script").count() == 0
        assert reader.locator("[data-messages] b").count() == 0
        assert reader.evaluate("window.pwned") is None

    # Stored as typed and shown as text after a reload too.
    page.reload()
    expect(page.locator("[data-messages] .message-text").last).to_have_text(HOSTILE)
    assert page.locator("[data-messages] img[src=x]").count() == 0
    assert Message.objects.get(thread=thread, sender=alice).text == HOSTILE
