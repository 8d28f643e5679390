"""The medical record: a doctor confirms the allergy in the owner's notes as
an alert, records a vaccination (three clicks), a weight and a prescription
on the pet's admin page; the owner, on a phone, is told live, sees them in
the record's tabs (the weight chart drawn by Chart JS), downloads the
certificate and asks for a refill, which the doctor approves. A dose can
also be recorded from a visit's page."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.tests.factories import PASSWORD
from e2e.browsing import BELL_SOCKET, log_in, make_customer, make_doctor, socket_open
from pets.models import CareDose, Prescription, RefillRequest, WeightEntry
from pets.tests.factories import PetFactory
from reservations.models import State
from reservations.tests.factories import make_visit

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 800}


def fits_the_screen(page):
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def pdf_text(path):
    with open(path, "rb") as pdf:
        reader = PdfReader(io.BytesIO(pdf.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_a_doctor_records_and_the_owner_follows(
    page, new_page, screenshot, transactional_db
):
    make_doctor("dr_chen")
    alice = make_customer("alice")
    rex = PetFactory(
        owner=alice,
        name="Rex",
        species="dog",
        birth_date=timezone.localdate() - datetime.timedelta(days=800),
        notes="Allergic to penicillin.",
    )

    owner = new_page()
    owner.set_viewport_size(PHONE)
    log_in(owner, "alice", PASSWORD)
    owner.goto(f"/pets/{rex.pk}/?record=care#record")
    expect(owner.get_by_test_id("care-empty")).to_be_visible()
    socket_open(owner, BELL_SOCKET)  # the doctor's entries come live
    assert fits_the_screen(owner)
    screenshot("owner's care tab, empty, at 375 px", of=owner)

    # The doctor confirms the allergy the owner wrote: a red banner.
    log_in(page, "dr_chen", PASSWORD)
    page.goto(f"/admin/pets/pet/{rex.pk}/change/")
    page.get_by_role("button", name="Confirm as an alert").click()
    expect(page.locator(".patient-alert-allergy")).to_have_text(
        "Allergy: Allergic to penicillin."
    )
    screenshot("doctor confirmed the allergy alert")

    # Pick the item, save. Today and the doctor are filled in.
    page.locator("select[name='care_doses-0-item']").select_option(label="Rabies")
    page.locator("input[name='care_doses-0-batch_number']").fill("RB-2291")
    screenshot("doctor picks the vaccine")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    dose = CareDose.objects.get()
    assert dose.vet.username == "dr_chen"
    assert dose.given_on == timezone.localdate()

    # The owner hears of it without reloading.
    expect(owner.locator("[data-toast-area] .toast")).to_contain_text(
        "Rabies recorded for Rex."
    )
    screenshot("owner told live", of=owner)
    # ... and the record redraws itself: the dose and its next due date.
    row = owner.get_by_test_id("care-due").locator("tr", has_text="Rabies")
    expect(row).to_contain_text("Up to date")
    expect(row).to_contain_text(str(dose.next_due.year))
    expect(owner.get_by_test_id("care-doses")).to_contain_text("RB-2291")
    assert fits_the_screen(owner)
    screenshot("owner's care tab with the dose", of=owner)

    # The owner downloads the certificate: the dose with its batch and vet.
    with owner.expect_download() as download:
        owner.get_by_test_id("certificate-download").click()
    text = pdf_text(download.value.path())
    for expected in ("Vaccination certificate", "Rex", "Rabies", "RB-2291"):
        assert expected in text

    # A weight and a prescription, in one save (both sections start folded).
    page.locator("summary", has_text="Weight history").click()
    page.locator("summary", has_text="Prescriptions").click()
    page.locator("input[name='weights-0-weight_kg']").fill("31.4")
    page.locator("input[name='prescriptions-0-drug']").fill("Carprofen 75 mg")
    page.locator("input[name='prescriptions-0-dose']").fill("1 tablet")
    page.locator("input[name='prescriptions-0-frequency']").fill("twice a day")
    page.locator("input[name='prescriptions-0-duration_days']").fill("14")
    page.locator("textarea[name='prescriptions-0-instructions']").fill(
        "Give with food."
    )
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert WeightEntry.objects.get().source == "doctor"

    # The owner adds a weight taken at home; the chart draws both.
    owner.goto(f"/pets/{rex.pk}/?record=weight#record")
    owner.get_by_label("Weight (kg)").fill("31.9")
    owner.get_by_role("button", name="Add", exact=True).click()
    expect(owner.get_by_test_id("weights").locator("tbody tr")).to_have_count(2)
    expect(owner.get_by_test_id("weights")).to_contain_text("Reported by the owner")
    expect(owner.locator("[data-weight-chart]")).to_be_visible()
    assert (
        owner.evaluate(
            "window.Chart.getChart("
            "document.querySelector('[data-weight-chart] canvas')"
            ").data.datasets[0].data.length"
        )
        == 2
    )
    assert fits_the_screen(owner)
    screenshot("owner's weight chart", of=owner)

    # The active medication is shown on every tab; the owner asks for more.
    expect(owner.get_by_test_id("active-medications")).to_contain_text("Carprofen")
    owner.get_by_role("link", name="Medications").click()
    expect(owner).to_have_url(re.compile(r"record=medications"))
    expect(owner.get_by_text("Give with food.")).to_be_visible()
    owner.get_by_label("Urgent: runs out within 2 days").check()
    owner.get_by_role("button", name="Ask for a refill").click()
    expect(owner.get_by_test_id("refill-status")).to_contain_text(
        "Waiting for a doctor"
    )
    assert fits_the_screen(owner)
    screenshot("owner asked for a refill", of=owner)
    refill = RefillRequest.objects.get()
    assert refill.urgent

    # The doctor approves it from the list of waiting requests.
    page.goto("/admin/pets/refillrequest/")
    expect(page.locator("#result_list")).to_contain_text("Carprofen 75 mg")
    expect(page.locator("#result_list")).to_contain_text("Urgent")
    page.locator(f"input[name='_selected_action'][value='{refill.pk}']").check()
    page.locator("select[name='action']").select_option("approve")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("1 refill request answered")
    screenshot("doctor approved the refill")

    expect(owner.locator("[data-toast-area] .toast").last).to_contain_text(
        "Refill of Carprofen 75 mg for Rex approved"
    )
    owner.reload()
    expect(owner.get_by_test_id("refill-status")).to_contain_text("Approved")
    assert Prescription.objects.get().refills.get().status == "approved"


def test_a_doctor_records_a_dose_from_a_visit(
    page, new_page, screenshot, transactional_db
):
    make_doctor("dr_chen")
    alice = make_customer("alice")
    rex = PetFactory(owner=alice, name="Rex", species="dog")
    visit = make_visit(rex, state=State.CHECKED_IN)

    owner = new_page()
    owner.set_viewport_size(PHONE)
    log_in(owner, "alice", PASSWORD)
    owner.goto(f"/pets/{rex.pk}/?record=care#record")
    expect(owner.get_by_test_id("care-empty")).to_be_visible()

    # On the visit's page: pick the item, type the batch, record.
    log_in(page, "dr_chen", PASSWORD)
    page.goto(f"/admin/reservations/reservation/{visit.pk}/change/")
    form = page.get_by_test_id("visit-dose-form")
    form.locator("select[name='dose-item']").select_option(label="DHPP")
    form.locator("input[name='dose-batch_number']").fill("DH-77")
    screenshot("doctor records a dose from the visit")
    form.get_by_role("button", name="Record dose").click()

    expect(page.locator(".messagelist")).to_contain_text(
        "DHPP recorded for Rex; next due"
    )
    expect(page).to_have_url(re.compile(rf"/reservation/{visit.pk}/change/"))
    dose = CareDose.objects.get()
    assert (dose.vet.username, dose.recorded_by.username) == ("dr_chen", "dr_chen")
    # The owner is told and the record redraws itself, without a reload.
    expect(owner.locator("[data-toast-area] .toast")).to_contain_text(
        "DHPP recorded for Rex."
    )
    expect(owner.get_by_test_id("care-doses")).to_contain_text("DH-77")
    screenshot("owner's care tab with the visit's dose", of=owner)
