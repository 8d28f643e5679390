import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from pets.tests.factories import PetFactory
from reservations.models import ClinicSettings, OpeningHours, Slot
from reservations.slots import first_free_day, free_slots, next_opening, slot_times
from reservations.tests.factories import book, tomorrow_at

SLOTS_URL = reverse("reservations:slots")


def tomorrow():
    return timezone.localdate() + datetime.timedelta(days=1)


@pytest.mark.django_db
def test_a_day_is_cut_into_slots_within_its_opening_hours():
    OpeningHours.objects.filter(weekday=tomorrow().weekday()).update(
        opens=datetime.time(9), closes=datetime.time(11)
    )
    ClinicSettings.objects.filter(pk=1).update(slot_minutes=45)

    times = [start.strftime("%H:%M") for start in slot_times(tomorrow())]

    assert times == ["09:00", "09:45"]  # 10:30 would end after closing


@pytest.mark.django_db
def test_full_slots_are_not_offered(customer):
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1)
    book(PetFactory(owner=customer), starts_at=tomorrow_at(10))

    starts = [slot.starts_at for slot in free_slots(tomorrow())]

    assert tomorrow_at(10) not in starts
    assert tomorrow_at(10, 30) in starts


@pytest.mark.django_db
def test_past_slots_of_today_are_not_offered():
    now = tomorrow_at(12)

    starts = [slot.starts_at for slot in free_slots(tomorrow(), now=now)]

    assert starts
    assert all(start > now for start in starts)


@pytest.mark.django_db
def test_a_closed_day_and_days_out_of_range_offer_nothing():
    OpeningHours.objects.filter(weekday=tomorrow().weekday()).update(
        opens=None, closes=None
    )

    assert free_slots(tomorrow()) == []
    assert free_slots(timezone.localdate() - datetime.timedelta(days=1)) == []
    assert free_slots(timezone.localdate() + datetime.timedelta(days=400)) == []


@pytest.mark.django_db
def test_the_slots_endpoint_answers_json_for_signed_in_users(customer_client):
    response = customer_client.get(SLOTS_URL, {"date": tomorrow().isoformat()})

    body = response.json()
    assert response.status_code == 200
    assert body["date"] == tomorrow().isoformat()
    first = body["slots"][0]
    assert first["label"] in ("08:00", "09:00")
    assert first["left"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["", "tomorrow", "2026-13-45"])
def test_a_bad_date_is_a_400_with_a_message(customer_client, value):
    response = customer_client.get(SLOTS_URL, {"date": value})

    assert response.status_code == 400
    assert response.json()["errors"] == ["Give a date as YYYY-MM-DD."]


@pytest.mark.django_db
def test_anonymous_visitors_get_no_slots(client):
    response = client.get(SLOTS_URL, {"date": tomorrow().isoformat()})

    assert response.status_code == 302


@pytest.mark.django_db
def test_the_slots_reveal_no_other_customers_data(client, customer, other_customer):
    book(PetFactory(owner=customer, name="Secret Rex"))
    client.force_login(other_customer)

    body = client.get(SLOTS_URL, {"date": tomorrow().isoformat()}).content.decode()

    assert "Secret Rex" not in body
    assert "alice" not in body
    assert '"left": 1' in body  # only a count, for the slot alice took


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 10])
def test_the_slots_endpoint_runs_constant_queries(
    customer_client, customer, django_assert_num_queries, count
):
    for hour in range(count):
        book(
            PetFactory(owner=customer),
            starts_at=tomorrow_at(9 + hour // 2, 30 * (hour % 2)),
        )

    # session, user, the default type's length, settings, hours, slot rows
    with django_assert_num_queries(6):
        customer_client.get(SLOTS_URL, {"date": tomorrow().isoformat()})


@pytest.mark.django_db
def test_doctors_keep_hours_and_rules_in_the_admin(doctor_client):
    hours = OpeningHours.objects.get(weekday=6)
    response = doctor_client.get(reverse("admin:reservations_openinghours_changelist"))
    assert response.status_code == 200
    settings_url = reverse("admin:reservations_clinicsettings_change", args=[1])
    response = doctor_client.post(
        settings_url,
        {"slot_minutes": "20", "doctors_on_duty": "3", "booking_horizon_days": "14"},
    )
    assert response.status_code == 302
    assert ClinicSettings.current().doctors_on_duty == 3
    assert str(hours) == "Sunday"


@pytest.mark.django_db
def test_the_home_page_lists_the_opening_hours_kept_in_the_admin(client):
    OpeningHours.objects.filter(weekday=OpeningHours.Weekday.WEDNESDAY).update(
        opens=None, closes=None
    )

    response = client.get(reverse("home"))

    lines = [
        (str(group.first), str(group.last), group.is_closed)
        for group in response.context["opening_hours"]
    ]
    assert lines == [
        ("Monday", "Tuesday", False),
        ("Wednesday", "Wednesday", True),
        ("Thursday", "Saturday", False),
        ("Sunday", "Sunday", False),
    ]
    html = response.content.decode()
    assert "Monday to Tuesday" in html
    assert "Closed" in html
    assert "09:00–17:00" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Open now: now. Before opening: today's opening. After closing:
        # the next open day's.
        (datetime.time(10), "now"),
        (datetime.time(6), datetime.time(8)),
        (datetime.time(21), "tomorrow 08:00"),
    ],
)
def test_next_opening(now, expected):
    OpeningHours.objects.update(opens=datetime.time(8), closes=datetime.time(18))
    zone = timezone.get_current_timezone()
    day = datetime.date(2026, 11, 23)  # a Monday
    moment = datetime.datetime.combine(day, now, tzinfo=zone)

    opening = next_opening(now=moment)

    if expected == "now":
        assert opening == moment
    elif expected == "tomorrow 08:00":
        assert opening == datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time(8), tzinfo=zone
        )
    else:
        assert opening == datetime.datetime.combine(day, expected, tzinfo=zone)


@pytest.mark.django_db
def test_next_opening_skips_closed_days_and_is_none_when_never_open():
    zone = timezone.get_current_timezone()
    OpeningHours.objects.update(opens=None, closes=None)
    assert next_opening() is None
    OpeningHours.objects.filter(weekday=0).update(
        opens=datetime.time(9), closes=datetime.time(12)
    )
    friday = datetime.datetime(2026, 11, 27, 13, 0, tzinfo=zone)
    assert next_opening(now=friday) == datetime.datetime(
        2026, 11, 30, 9, 0, tzinfo=zone
    )


@pytest.mark.django_db
def test_the_first_free_day_skips_a_day_whose_every_time_is_full():
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1)
    day = tomorrow()
    just_after_midnight = timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(0, 1))
    )
    assert first_free_day(now=just_after_midnight) == day

    for start in slot_times(day):
        Slot.objects.create(starts_at=start, capacity=1, booked=1)

    assert first_free_day(now=just_after_midnight) == day + datetime.timedelta(days=1)
