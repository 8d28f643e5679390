"""A doctor puts today's queue in order by drag and drop; a stale order is undone;
another doctor's open queue page follows every change without a reload."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from e2e.conftest import log_in, make_customer, make_doctor
from pets.tests.factories import PetFactory
from reservations.models import Reservation, State, Triage
from reservations.tests.factories import make_visit

pytestmark = pytest.mark.e2e


def rows(page, band):
    return page.locator(f'tbody[data-queue-band="{band}"] tr[data-id]')


def test_a_doctor_reorders_the_queue_by_drag_and_drop(
    page, new_page, screenshot, transactional_db
):
    make_doctor("dr_chen")
    make_doctor("dr_li")
    owner = make_customer("alice")
    for place, name in enumerate(["Rex", "Tom", "Kiki"], start=1):
        make_visit(
            PetFactory(owner=owner, name=name),
            triage=Triage.STANDARD,
            state=State.CONFIRMED,
            queue_position=place,
        )
    make_visit(PetFactory(owner=owner, name="Bolt"), triage=Triage.EMERGENCY)
    make_visit(PetFactory(owner=owner, name="Nemo"), heavy_bleeding=True)
    # Any console error (a CSP violation, a script failing) fails the journey.
    errors = []
    colleague = new_page()
    for tab in (page, colleague):
        tab.on(
            "console",
            lambda message: message.type == "error" and errors.append(message.text),
        )
    # Dr Li keeps today's queue open in her own browser.
    log_in(colleague, "dr_li", PASSWORD)
    colleague.goto("/admin/reservations/reservation/queue/")
    log_in(page, "dr_chen", PASSWORD)

    expect(page.locator("#today-panel")).to_contain_text("1 open emergency")
    screenshot("dashboard with today panel")
    page.get_by_role("link", name="Open today’s queue").click()
    expect(page).to_have_url(re.compile(r"/reservation/queue/$"))
    expect(rows(page, "standard")).to_have_text(
        [re.compile(name) for name in ["Rex", "Tom", "Kiki"]]
    )
    screenshot("queue")

    # Kiki moves to the top of the standard band; the places follow.
    rows(page, "standard").nth(2).drag_to(rows(page, "standard").nth(0))
    expect(page.locator("[data-queue-status]")).to_have_text("Saved")
    expect(rows(page, "standard")).to_have_text(
        [re.compile(name) for name in ["Kiki", "Rex", "Tom"]]
    )
    expect(rows(page, "standard").locator("[data-place-cell]")).to_have_text(
        ["2", "3", "4"]
    )
    screenshot("kiki moved up")
    standard = Reservation.objects.filter(triage=Triage.STANDARD)
    assert list(
        standard.order_by("queue_position").values_list("pet__name", flat=True)
    ) == ["Kiki", "Rex", "Tom"]
    # Dr Li's page follows, without a reload.
    expect(rows(colleague, "standard")).to_have_text(
        [re.compile(name) for name in ["Kiki", "Rex", "Tom"]]
    )
    screenshot("the colleague's queue follows", of=colleague)

    # She moves Tom up in the redrawn list; Dr Chen's page follows in turn.
    rows(colleague, "standard").nth(2).drag_to(rows(colleague, "standard").nth(0))
    expect(colleague.locator("[data-queue-status]")).to_have_text("Saved")
    expect(rows(page, "standard")).to_have_text(
        [re.compile(name) for name in ["Tom", "Kiki", "Rex"]]
    )
    expect(rows(page, "standard").locator("[data-place-cell]")).to_have_text(
        ["2", "3", "4"]
    )
    # Her own page, redrawn after her own move, stays as she left it.
    expect(rows(colleague, "standard")).to_have_text(
        [re.compile(name) for name in ["Tom", "Kiki", "Rex"]]
    )
    screenshot("tom moved up by the colleague")

    # Meanwhile another doctor finished Rex's visit: the move is refused and undone.
    Reservation.objects.filter(pet__name="Rex").update(state=State.FINISHED)
    rows(page, "standard").nth(2).drag_to(rows(page, "standard").nth(0))
    expect(page.locator("[data-queue-status]")).to_contain_text(
        "Only visits still in progress can be put in order."
    )
    expect(rows(page, "standard")).to_have_text(
        [re.compile(name) for name in ["Tom", "Kiki", "Rex"]]
    )
    screenshot("stale order refused")

    # The untriaged visit is triaged from the same page, without a drag.
    page.locator("tr", has_text="Nemo").get_by_role("button", name="Emergency").click()
    expect(page.locator(".messagelist")).to_contain_text("triaged as Emergency")
    expect(rows(page, "emergency")).to_have_text(
        [re.compile("Bolt"), re.compile("Nemo")]
    )
    screenshot("nemo triaged")
    expect(rows(colleague, "emergency")).to_have_text(
        [re.compile("Bolt"), re.compile("Nemo")]
    )
    expect(colleague.locator("tr", has_text="Nemo")).to_have_count(1)
    screenshot("the colleague sees nemo triaged", of=colleague)

    # The visit list shows the same queue, with places and waits.
    page.get_by_role("link", name="Reservations").last.click()
    expect(page.locator("#result_list tbody tr")).to_have_count(4)  # Rex is finished
    expect(page.locator("#result_list")).to_contain_text("Possible emergency")
    screenshot("visit list")
    page.locator("#result_list").get_by_role("link", name="Nemo").click()
    expect(page.locator(".inline-group")).to_contain_text("Triaged")
    screenshot("visit page")

    # Dr Li's dashboard follows too: Nemo is confirmed on that page.
    colleague.goto("/admin/")
    confirmed = colleague.locator(".today-count-confirmed .today-count-number")
    expect(confirmed).to_have_text("2")  # Tom and Kiki
    page.get_by_label("Move to").select_option(label="Confirmed")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("changed successfully")
    expect(confirmed).to_have_text("3")
    screenshot("the colleague's today panel follows", of=colleague)
    # Chromium logs the refused order's 400 as an error; nothing else may fail.
    assert [error for error in errors if "status of 400" not in error] == []
