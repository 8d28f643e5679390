"""The waits the API tells an owner: the queue's place and estimated wait
as the visit page shows them, and the band's target and typical wait."""

import datetime
import re

import pytest

from accounts.tests.api import call
from pets.tests.factories import PetFactory
from reservations.models import ClinicSettings, ReservationEvent, State, Triage
from reservations.tests.factories import make_visit, today_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_doctors_half_hour_slots(db):
    ClinicSettings.objects.update_or_create(
        pk=1, defaults={"doctors_on_duty": 2, "slot_minutes": 30}
    )


@pytest.fixture
def fifth_in_the_queue(customer, other_customer, two_doctors_half_hour_slots):
    """Four standard visits of another owner ahead of the customer's, all
    triaged standard, today."""
    for minute in (0, 10, 20, 30):
        make_visit(
            PetFactory(owner=other_customer),
            starts_at=today_at(9, minute),
            state=State.CHECKED_IN,
            triage=Triage.STANDARD,
        )
    return make_visit(
        PetFactory(owner=customer, name="Mochi"),
        starts_at=today_at(10, 30),
        state=State.CONFIRMED,
        triage=Triage.STANDARD,
    )


def _page_wait(client, customer, visit):
    client.force_login(customer)
    page = client.get(visit.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    wait = re.search(r'data-testid="estimated-wait">\s*([^<]*?)\s*<', html)
    band = re.search(r'data-testid="band-wait">\s*([^<]*?)\s*<', html)
    return " ".join(wait.group(1).split()), " ".join(band.group(1).split())


def test_a_visit_fifth_in_the_queue_waits_as_its_page_says(
    client, token, customer, fifth_in_the_queue, at_ten
):
    visit = fifth_in_the_queue

    body = call(client, "get", f"/api/v1/visits/{visit.pk}/", token).json()
    page_wait, page_band = _page_wait(client, customer, visit)

    # Four ahead, two doctors, 30-minute visits: (4 // 2) * 30 minutes.
    assert body["queue"] == {"place": 5, "ahead": 4, "wait_minutes": 60}
    assert page_wait == "about 60 minutes"
    # The list answers the same place and wait.
    listed = call(client, "get", "/api/v1/visits/", token).json()["results"]
    assert [row["queue"] for row in listed] == [body["queue"]]
    # Too few treated visits lately: the target only, as the page tells.
    assert body["band_wait"] == {
        "band": "Standard",
        "typical_minutes": None,
        "target_minutes": 60,
    }
    assert "within 60 min of arrival" in page_band


def test_the_typical_wait_is_the_median_of_the_bands_recent_waits(
    client, token, customer, other_customer, fifth_in_the_queue, at_ten
):
    # Five standard visits of the last days, seen 10, 20, 30, 40 and 50
    # minutes after they arrived: the median is 30.
    for days, minutes in enumerate((10, 20, 30, 40, 50), start=1):
        arrived = today_at(9) - datetime.timedelta(days=days)
        done = make_visit(
            PetFactory(owner=other_customer),
            starts_at=arrived,
            state=State.FINISHED,
            triage=Triage.STANDARD,
            checked_in_at=arrived,
        )
        event = ReservationEvent.objects.create(
            reservation=done,
            kind=ReservationEvent.Kind.STATE,
            from_value=State.CHECKED_IN,
            to_value=State.IN_TREATMENT,
        )
        ReservationEvent.objects.filter(pk=event.pk).update(
            created_at=arrived + datetime.timedelta(minutes=minutes)
        )
    visit = fifth_in_the_queue

    body = call(client, "get", f"/api/v1/visits/{visit.pk}/", token).json()
    _page_wait_text, page_band = _page_wait(client, customer, visit)

    assert body["band_wait"] == {
        "band": "Standard",
        "typical_minutes": 30,
        "target_minutes": 60,
    }
    assert "lately waited about 30 min" in page_band
    assert body["queue"]["wait_minutes"] == 60  # finished visits are no queue
