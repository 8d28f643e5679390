"""The opening hours are kept in the admin's list, saved through the service."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reservations import services
from reservations.models import OpeningHours

HOURS_LIST = reverse("admin:reservations_openinghours_changelist")


def _hours_list_post(changes):
    """The opening hours list as its Save button posts it, with `changes`
    ({weekday: (opens, closes)}); empty strings mean closed."""
    rows = list(OpeningHours.objects.order_by("weekday"))
    data = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(len(rows)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for index, hours in enumerate(rows):
        opens, closes = changes.get(
            hours.weekday,
            (
                hours.opens.strftime("%H:%M") if hours.opens else "",
                hours.closes.strftime("%H:%M") if hours.closes else "",
            ),
        )
        data[f"form-{index}-id"] = str(hours.pk)
        data[f"form-{index}-opens"] = opens
        data[f"form-{index}-closes"] = closes
    return data


@pytest.mark.django_db
def test_a_doctor_closes_a_day_and_moves_another_from_the_list(doctor_client):
    response = doctor_client.post(
        HOURS_LIST,
        _hours_list_post(
            {
                OpeningHours.Weekday.SUNDAY: ("", ""),
                OpeningHours.Weekday.MONDAY: ("10:00", "18:30"),
            }
        ),
    )

    assert response.status_code == 302
    sunday = OpeningHours.objects.get(weekday=OpeningHours.Weekday.SUNDAY)
    monday = OpeningHours.objects.get(weekday=OpeningHours.Weekday.MONDAY)
    assert sunday.is_closed
    assert sunday.closes is None
    assert (monday.opens, monday.closes) == (
        datetime.time(10),
        datetime.time(18, 30),
    )


@pytest.mark.django_db
def test_the_list_refuses_hours_that_close_before_they_open(doctor_client):
    response = doctor_client.post(
        HOURS_LIST,
        _hours_list_post({OpeningHours.Weekday.MONDAY: ("18:00", "09:00")}),
    )

    assert response.status_code == 200
    monday = OpeningHours.objects.get(weekday=OpeningHours.Weekday.MONDAY)
    assert (monday.opens, monday.closes) == (datetime.time(8), datetime.time(20))


@pytest.mark.django_db
def test_the_hours_service_refuses_hours_out_of_order_and_saves_nothing():
    monday = OpeningHours.objects.get(weekday=OpeningHours.Weekday.MONDAY)

    with pytest.raises(ValidationError):
        services.opening_hours_update(
            hours=monday, opens=datetime.time(18), closes=datetime.time(9)
        )
    with pytest.raises(ValidationError):
        services.opening_hours_update(hours=monday, opens=datetime.time(9), closes=None)

    monday.refresh_from_db()
    assert (monday.opens, monday.closes) == (datetime.time(8), datetime.time(20))


@pytest.mark.django_db
def test_the_hours_service_closes_a_day():
    sunday = OpeningHours.objects.get(weekday=OpeningHours.Weekday.SUNDAY)

    services.opening_hours_update(hours=sunday, opens=None, closes=None)

    sunday.refresh_from_db()
    assert sunday.is_closed
    assert sunday.closes is None
