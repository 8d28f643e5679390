"""Issue 16: a doctor opens the flow report of a seeded day; the chart is
drawn from the table, and the page fits a 375 px screen."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from e2e.browsing import log_in, make_doctor
from reservations.models import Triage
from reservations.tests.test_flow import DAY, treated

pytestmark = pytest.mark.e2e


def test_the_flow_report_draws_its_chart(page, screenshot, transactional_db):
    doctor = make_doctor("dr_chen")
    treated(Triage.EMERGENCY, doctor, 5, 20, 10)
    treated(Triage.STANDARD, doctor, 30, 15, 5, hour=10)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, "dr_chen", PASSWORD)

    page.goto(f"/admin/reservations/reservation/flow/?first_day={DAY}&last_day={DAY}")

    expect(page.locator("[data-flow-chart]")).to_be_visible()
    box = page.locator("[data-flow-chart] canvas").bounding_box()
    assert box["width"] > 200
    assert box["height"] > 200
    expect(page.get_by_test_id("flow-table")).to_contain_text("Emergency")
    width = page.evaluate("document.documentElement.scrollWidth")
    screenshot("the flow report at 375 px")
    assert width <= 375
    assert errors == []
