"""A customer registers a pet with a dropped photo; nobody else can see it."""

import io
import os
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from e2e.browsing import log_in, make_customer
from pets.models import Pet

pytestmark = pytest.mark.e2e

PHONE_WIDTH = 375
# Slow enough to see the progress bar move; fast enough for a short test.
UPLOAD_BYTES_PER_SECOND = 150_000


def noisy_png(width=480, height=360):
    """A photo-sized PNG that does not compress, so the upload takes a moment."""
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def drop_file(page, target, name, mime, data):
    """Drop a file onto an element the way a desktop drag would.

    The drop zone is hidden until the page's script has set Dropzone up, so
    wait for it as a person would: a drop before that reaches no handler.
    """
    expect(page.locator(target)).to_be_visible()
    page.evaluate(
        """([selector, name, mime, bytes]) => {
            const file = new File([new Uint8Array(bytes)], name, {type: mime});
            const transfer = new DataTransfer();
            transfer.items.add(file);
            const target = document.querySelector(selector);
            for (const type of ["dragenter", "dragover", "drop"]) {
                target.dispatchEvent(new DragEvent(type, {
                    dataTransfer: transfer, bubbles: true, cancelable: true,
                }));
            }
        }""",
        [target, name, mime, list(data)],
    )


def test_customer_adds_a_pet_by_dropping_a_photo(
    page, new_page, screenshot, transactional_db
):
    make_customer("alice")
    make_customer("mallory")
    log_in(page, "alice", PASSWORD)

    expect(page).to_have_url(re.compile(r"/pets/$"))
    expect(page.get_by_test_id("empty-pets")).to_be_visible()
    screenshot("my pets empty")
    page.get_by_role("link", name="Add your first pet").click()

    page.get_by_label("Name").fill("Luna")
    page.get_by_label("Species").select_option("cat")
    page.get_by_label("Breed").fill("Siamese")
    page.get_by_label("Sex").select_option("female_spayed")
    page.get_by_label("Birth date").fill("2023-05-01")
    page.get_by_label("Weight (kg)").fill("3.8")
    page.get_by_label("Notes and allergies").fill("Allergic to penicillin.")

    # A wrong file is refused at once, before anything is sent.
    drop_file(page, "[data-photo-drop]", "logo.svg", "image/svg+xml", b"<svg/>")
    expect(page.locator("[data-photo-feedback]")).to_have_text(
        "Upload a JPEG, PNG or WebP image."
    )
    screenshot("wrong file refused")

    drop_file(page, "[data-photo-drop]", "luna.png", "image/png", noisy_png())
    preview = page.locator("[data-photo-previews] img[data-dz-thumbnail]")
    expect(preview).to_have_attribute("src", re.compile(r"^data:image/"))
    expect(page.locator("[data-photo-feedback]")).to_be_empty()
    screenshot("photo dropped")

    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": UPLOAD_BYTES_PER_SECOND,
        },
    )
    page.get_by_role("button", name="Add pet").click()
    progress = page.locator("[data-photo-progress]")
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("aria-valuenow", re.compile(r"^([1-9]\d?)$"))
    screenshot("upload in progress")

    expect(page).to_have_url(re.compile(r"/pets/$"), timeout=20_000)
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": -1,
        },
    )
    expect(page.get_by_role("alert")).to_contain_text("Luna has been added.")
    card = page.get_by_test_id("pet-list").get_by_role("link", name=re.compile("Luna"))
    thumbnail = card.locator("img.pet-photo")
    expect(thumbnail).to_be_visible()
    # decode() waits for the picture to arrive: the list can show before it has.
    assert thumbnail.evaluate("img => img.decode().then(() => img.naturalWidth)") == 256
    expect(card).to_contain_text("Cat · Siamese")
    screenshot("my pets with luna")

    card.click()
    expect(page.locator("h1")).to_have_text("Luna")
    expect(page.get_by_test_id("pet-age")).to_contain_text("year")
    screenshot("luna's page")
    pet = Pet.objects.get(name="Luna")
    assert pet.owner.username == "alice"
    assert pet.photo.name.endswith(".webp")

    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    page.goto("/pets/")
    screenshot("my pets on a phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    intruder = new_page()
    log_in(intruder, "mallory", PASSWORD)
    for path in (f"/pets/{pet.pk}/", f"/pets/{pet.pk}/photo/thumbnail/"):
        response = intruder.goto(path)
        assert response.status == 404, path
    expect(intruder.locator("body")).not_to_contain_text("Luna")
    screenshot("another customer gets 404", of=intruder)
