"""On a slow line, an avatar and a chat photo show their progress, and the
button cannot send twice (static/js/upload-progress.js)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from consultation.tests.factories import ThreadFactory
from core.images import IMAGE_BROKEN_ERROR
from core.tests import images as samples
from e2e.browsing import log_in, make_customer, make_doctor
from e2e.test_pet_journey import UPLOAD_BYTES_PER_SECOND, noisy_png

pytestmark = pytest.mark.e2e


def slow_upload(page, bytes_per_second):
    """Throttle what the page sends (-1: no limit)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": bytes_per_second,
        },
    )
    return cdp


def file_payload(name, mime, data):
    return {"name": name, "mimeType": mime, "buffer": data}


def test_an_avatar_upload_shows_its_progress_and_holds_the_button(
    page, screenshot, transactional_db
):
    make_customer("alice")
    log_in(page, "alice", PASSWORD)
    page.goto("/accounts/profile/")
    form = page.get_by_test_id("avatar-form")
    button = form.get_by_role("button", name="Upload avatar")
    progress = form.get_by_test_id("upload-progress")
    expect(progress).to_be_hidden()

    # A damaged file: the server's message, and the button is back.
    form.get_by_label("New avatar").set_input_files(
        file_payload(
            "crafted.jpg", "image/jpeg", samples.jpeg_with_crafted_exif().read()
        )
    )
    button.click()
    expect(form.locator("[data-feedback-for=avatar]")).to_have_text(
        str(IMAGE_BROKEN_ERROR)
    )
    expect(button).to_be_enabled()
    expect(page).to_have_url(re.compile(r"/accounts/profile/$"))
    screenshot("avatar refused")

    form.get_by_label("New avatar").set_input_files(
        file_payload("me.png", "image/png", noisy_png())
    )
    cdp = slow_upload(page, UPLOAD_BYTES_PER_SECOND)
    button.click()
    expect(button).to_be_disabled()
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("value", re.compile(r"^([1-9]\d?)$"))
    screenshot("avatar uploading")

    expect(page.get_by_role("alert")).to_contain_text(
        "Your new avatar is in place.", timeout=20_000
    )
    slow_upload(page, -1)
    cdp.detach()
    expect(form.get_by_role("button", name="Upload avatar")).to_be_enabled()
    screenshot("avatar in place")


def test_a_chat_photo_shows_its_progress_and_holds_send(
    page, screenshot, transactional_db
):
    customer = make_customer("alice")
    thread = ThreadFactory(customer=customer, subject="Her paw")
    log_in(page, "alice", PASSWORD)
    page.goto(thread.get_absolute_url())
    form = page.get_by_test_id("message-form")
    send = form.get_by_role("button", name="Send")

    form.get_by_label("Photo").set_input_files(
        file_payload("paw.png", "image/png", noisy_png())
    )
    slow_upload(page, UPLOAD_BYTES_PER_SECOND)
    send.click()
    expect(send).to_be_disabled()
    expect(form.get_by_test_id("upload-progress")).to_be_visible()
    screenshot("chat photo uploading")

    photo = page.locator("[data-messages] a img")
    expect(photo.first).to_be_visible(timeout=20_000)
    slow_upload(page, -1)
    expect(
        page.get_by_test_id("message-form").get_by_role("button", name="Send")
    ).to_be_enabled()
    screenshot("chat photo sent")


def test_a_doctors_photo_reply_in_the_dashboard_shows_its_progress(
    page, screenshot, transactional_db
):
    make_doctor("dr_chen")
    thread = ThreadFactory(customer=make_customer("alice"), subject="Her paw")
    log_in(page, "dr_chen", PASSWORD)
    page.goto(reverse("admin:consultation_thread_change", args=[thread.pk]))
    form = page.get_by_test_id("reply-form")
    send = form.get_by_role("button", name="Send reply")

    form.get_by_label("Photo").set_input_files(
        file_payload("xray.png", "image/png", noisy_png())
    )
    slow_upload(page, UPLOAD_BYTES_PER_SECOND)
    send.click()
    expect(send).to_be_disabled()
    expect(form.get_by_test_id("upload-progress")).to_be_visible()
    screenshot("dashboard photo uploading")

    expect(page.locator(".messagelist")).to_contain_text("Reply sent.", timeout=20_000)
    slow_upload(page, -1)
    assert thread.messages.exclude(photo="").count() == 1
    screenshot("dashboard photo sent")
