"""The record's documents and sharing: a doctor attaches lab results on the
pet's admin page; the owner, on a phone, downloads them, the certificate
and everything as one ZIP, makes a link for another vet, who opens it
without an account and checks the certificate's code; once revoked, the
link is gone."""

import io
import zipfile

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.tests.factories import PASSWORD
from e2e.browsing import log_in, make_customer, make_doctor
from pets.models import CareItem, Certificate, PetDocument, RecordShareOpen
from pets.record import services
from pets.tests.documents_samples import pdf_bytes
from pets.tests.factories import PetFactory

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 800}


def fits_the_screen(page):
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def downloaded(page, action):
    with page.expect_download() as info:
        action()
    download = info.value
    return download.suggested_filename, open(download.path(), "rb").read()


def test_documents_certificate_and_a_share_link(
    page, new_page, screenshot, transactional_db
):
    doctor = make_doctor("dr_chen")
    alice = make_customer("alice")
    rex = PetFactory(owner=alice, name="旺财", species="dog")
    rabies = CareItem.objects.get(species="dog", name="Rabies")
    services.care_dose_record(
        pet=rex,
        item=rabies,
        vet=doctor,
        given_on=rex.birth_date.replace(year=rex.birth_date.year + 1),
        batch_number="RB-2291",
        notify_owner=False,
    )

    # The doctor attaches a lab result to the pet.
    log_in(page, "dr_chen", PASSWORD)
    page.goto(f"/admin/pets/pet/{rex.pk}/change/")
    page.locator("summary", has_text="Documents").click()
    page.locator("input[name='documents-0-title']").fill("Blood panel")
    page.locator("input[name='documents-0-upload']").set_input_files(
        {"name": "panel.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    screenshot("doctor attaches a lab result")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert PetDocument.objects.get().title == "Blood panel"

    # The owner finds it on the record, and takes everything at once.
    owner = new_page()
    owner.set_viewport_size(PHONE)
    log_in(owner, "alice", PASSWORD)
    owner.goto(f"/pets/{rex.pk}/?record=documents#record")
    expect(owner.get_by_test_id("documents")).to_contain_text("Blood panel")
    assert fits_the_screen(owner)
    screenshot("owner's documents tab at 375 px", of=owner)
    name, content = downloaded(
        owner, owner.get_by_role("link", name="Blood panel").click
    )
    assert name.endswith(".pdf")
    assert content.startswith(b"%PDF-")
    name, content = downloaded(owner, owner.get_by_test_id("documents-zip").click)
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert "vaccination-certificate.pdf" in names
    assert any("blood-panel" in entry for entry in names)

    # The certificate from the care tab holds the dose and the Chinese name.
    owner.goto(f"/pets/{rex.pk}/?record=care#record")
    name, content = downloaded(
        owner, owner.get_by_test_id("certificate-download").click
    )
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "旺财" in text
    assert "RB-2291" in text
    code = Certificate.objects.latest("created_at").display_code
    assert code in text

    # A link for another vet, shown once.
    owner.get_by_role("link", name="Share").click()
    owner.get_by_label("Valid for").select_option("3")
    owner.get_by_label("For (optional)").fill("Green Clinic")
    owner.get_by_role("button", name="Make a link").click()
    link = owner.get_by_test_id("share-url").input_value()
    expect(owner.get_by_role("button", name="Copy")).to_be_visible()
    screenshot("owner made a link", of=owner)

    vet = new_page()
    vet.goto(link)
    expect(vet.get_by_test_id("shared-record")).to_contain_text("RB-2291")
    expect(vet.get_by_test_id("shared-record")).to_contain_text(alice.name)
    screenshot("another vet reads the shared record", of=vet)
    assert RecordShareOpen.objects.count() == 1

    # ... and checks the certificate's code.
    vet.goto("/pets/certificates/verify/")
    vet.get_by_label("Verification code").fill(code.lower())
    vet.get_by_role("button", name="Check").click()
    expect(vet.get_by_test_id("certificate-valid")).to_contain_text("旺财")
    screenshot("the certificate checked", of=vet)

    # The owner sees the opening and revokes the link.
    owner.goto(f"/pets/{rex.pk}/?record=sharing#record")
    expect(owner.get_by_test_id("shares")).to_contain_text("Opened once")
    owner.get_by_role("button", name="Revoke").click()
    expect(owner.get_by_test_id("shares")).to_contain_text("Revoked")
    assert fits_the_screen(owner)
    screenshot("owner revoked the link", of=owner)
    assert vet.goto(link).status == 404
