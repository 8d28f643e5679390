"""Dates and times typed or forged by users, at the ends of the calendar.

`9999-12-31T23:59:59+00:00` parses as a datetime, and converting it to the
hospital's time zone overflows (OverflowError, a 500): such a time must be a
form error wherever a user gives one, and change nothing.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pets.forms import PetForm
from pets.models import BIRTH_DATE_IN_FUTURE_ERROR, BIRTH_DATE_TOO_OLD_ERROR
from pets.tests.factories import PetFactory
from reservations import services
from reservations.forms import ReservationForm
from reservations.models import Reservation
from reservations.services import SLOT_UNAVAILABLE_ERROR
from reservations.tests.factories import book, tomorrow_at

pytestmark = pytest.mark.django_db

EXTREME_TIMES = [
    "9999-12-31T23:59:59+00:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59",
    "0001-01-01T00:00:00",
    "0001-01-01T00:00:00-12:00",
]


@pytest.fixture
def pet(customer):
    return PetFactory(owner=customer, name="Mochi")


@pytest.mark.parametrize("starts_at", EXTREME_TIMES)
def test_booking_at_the_ends_of_the_calendar_is_a_form_error(
    customer_client, pet, starts_at
):
    response = customer_client.post(
        reverse("reservations:new"),
        {"pet": pet.pk, "starts_at": starts_at, "symptoms": "Coughing."},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["starts_at"] == [str(SLOT_UNAVAILABLE_ERROR)]
    assert not Reservation.objects.exists()


@pytest.mark.parametrize("starts_at", EXTREME_TIMES)
def test_moving_a_visit_to_the_ends_of_the_calendar_is_a_form_error(
    customer_client, pet, starts_at
):
    visit = book(pet, starts_at=tomorrow_at(11))

    response = customer_client.post(
        reverse("reservations:edit", args=[visit.pk]),
        {"starts_at": starts_at, "symptoms": "Coughing."},
    )

    assert response.status_code == 400
    assert str(SLOT_UNAVAILABLE_ERROR) in response.content.decode()
    visit.refresh_from_db()
    assert visit.slot.starts_at == tomorrow_at(11)
    assert visit.symptoms != "Coughing."


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "9999-12-31T23:59"])
def test_the_booking_page_asked_for_a_day_out_of_range_offers_a_bookable_day(
    customer_client, day
):
    response = customer_client.get(reverse("reservations:new"), {"date": day})

    assert response.status_code == 200
    assert response.context["times"].day.year < 9999


@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC),
        datetime.datetime(
            1, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=14))
        ),
    ],
)
def test_the_booking_service_refuses_a_time_at_the_ends_of_the_calendar(
    customer, pet, moment
):
    with pytest.raises(ValidationError) as refusal:
        services.reservation_create(
            owner=customer, pet=pet, starts_at=moment, symptoms="Coughing."
        )

    assert refusal.value.messages == [str(SLOT_UNAVAILABLE_ERROR)]
    assert not Reservation.objects.exists()


def test_an_ordinary_time_still_parses(customer):
    form = ReservationForm(
        {"pet": "", "starts_at": tomorrow_at(10).isoformat(), "symptoms": "x"},
        owner=customer,
    )

    form.is_valid()

    assert "starts_at" not in form.errors


@pytest.mark.parametrize(
    ("birth_date", "error"),
    [
        ("9999-12-31", BIRTH_DATE_IN_FUTURE_ERROR),
        ("0001-01-01", BIRTH_DATE_TOO_OLD_ERROR),
    ],
)
def test_a_pets_birth_date_at_the_ends_of_the_calendar_is_a_form_error(
    birth_date, error
):
    form = PetForm({"name": "Mochi", "species": "cat", "birth_date": birth_date})

    assert not form.is_valid()
    assert form.errors["birth_date"] == [str(error) % {"years": 80}]
