"""A change of the slot length (review H1 of issue 16): the places a visit or a
waitlist hold counted are given back as they were taken, whatever the slot
length is now; and the length cannot change while a visit or a hold counts a
place in a slot still to come, since the counts of those rows cannot be split
into slots of another length."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from pets.tests.factories import PetFactory
from reservations import services
from reservations.calendar import visit_calendar
from reservations.models import (
    ClinicSettings,
    OpeningHours,
    Reservation,
    State,
    VisitType,
    WaitlistEntry,
)
from reservations.tests.factories import book, tomorrow_at
from reservations.tests.places import booked_at, cancel, join_tomorrow

pytestmark = [pytest.mark.django_db, pytest.mark.calendar]

SETTINGS_URL = reverse("admin:reservations_clinicsettings_change", args=[1])


@pytest.fixture(autouse=True)
def _one_doctor():
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1, slot_minutes=30)


@pytest.fixture
def long_type():
    return VisitType.objects.create(name="Long", slot_units=2, position=100)


def slot_length_set(minutes):
    rules = ClinicSettings.current()
    return services.clinic_settings_update(
        slot_minutes=minutes,
        doctors_on_duty=rules.doctors_on_duty,
        booking_horizon_days=rules.booking_horizon_days,
    )


def test_the_slot_length_cannot_change_while_a_visit_holds_places_ahead(
    customer, long_type
):
    visit = book(
        PetFactory(owner=customer), starts_at=tomorrow_at(10), visit_type=long_type
    )

    with pytest.raises(ValidationError) as refused:
        slot_length_set(15)

    assert "slot_minutes" in refused.value.message_dict
    assert ClinicSettings.current().slot_minutes == 30
    # So a cancellation gives back exactly the two places it took.
    cancel(visit)
    assert booked_at(tomorrow_at(10), tomorrow_at(10, 30)) == [0, 0]


def test_a_refused_slot_length_leaves_another_visits_place_counted(customer, long_type):
    visit = book(
        PetFactory(owner=customer), starts_at=tomorrow_at(10), visit_type=long_type
    )
    with pytest.raises(ValidationError):
        slot_length_set(15)
    other = book(PetFactory(owner=customer), starts_at=tomorrow_at(11))

    cancel(visit)

    assert booked_at(tomorrow_at(11)) == [1]
    with pytest.raises(ValidationError):
        book(PetFactory(owner=customer), starts_at=tomorrow_at(11))
    assert other.slot.starts_at == tomorrow_at(11)


def test_a_waitlist_hold_ahead_keeps_the_slot_length_too(customer):
    visit = book(PetFactory(), starts_at=tomorrow_at(10))
    entry = join_tomorrow(customer)
    cancel(visit)  # the place is held for the entry
    entry.refresh_from_db()
    assert entry.state == WaitlistEntry.State.OFFERED

    with pytest.raises(ValidationError):
        slot_length_set(20)

    assert ClinicSettings.current().slot_minutes == 30


def test_a_visit_under_way_keeps_the_slot_length_until_it_ends(customer, time_machine):
    ten = tomorrow_at(10)  # read before the clock moves to that day
    book(PetFactory(owner=customer), starts_at=ten)
    time_machine.move_to(ten + datetime.timedelta(minutes=10), tick=False)

    with pytest.raises(ValidationError):
        slot_length_set(15)  # 10:15 would be booked inside its 10:00-10:30

    time_machine.move_to(ten + datetime.timedelta(minutes=30), tick=False)
    slot_length_set(15)
    assert ClinicSettings.current().slot_minutes == 15


def test_the_slot_length_changes_when_no_place_ahead_is_booked(customer):
    slot_length_set(15)

    assert ClinicSettings.current().slot_minutes == 15
    # ... and the doctors on duty still change with visits booked.
    book(PetFactory(owner=customer), starts_at=tomorrow_at(10, 15))
    services.clinic_settings_update(
        slot_minutes=15, doctors_on_duty=3, booking_horizon_days=30
    )
    assert ClinicSettings.current().doctors_on_duty == 3


def test_a_past_visit_marked_a_no_show_after_a_change_gives_back_what_it_took(
    customer, doctor, long_type, time_machine
):
    ten, quarter = tomorrow_at(10), datetime.timedelta(minutes=15)
    visit = book(PetFactory(owner=customer), starts_at=ten, visit_type=long_type)
    services.reservation_transition(
        reservation=visit, to_state=State.CONFIRMED, by=doctor
    )
    time_machine.move_to(ten + datetime.timedelta(minutes=65), tick=False)
    slot_length_set(15)  # nothing ahead is booked any more
    assert booked_at(ten, ten + 2 * quarter) == [1, 1]

    services.reservation_transition(
        reservation=visit, to_state=State.NO_SHOW, by=doctor
    )

    # The 30-minute slots it took, not 10:00 and 10:15 of the new length.
    assert booked_at(ten, ten + quarter, ten + 2 * quarter) == [0, 0, 0]


def test_a_visit_keeps_its_own_slots_when_the_opening_hours_move_the_grid(
    customer, long_type
):
    visit = book(
        PetFactory(owner=customer), starts_at=tomorrow_at(10), visit_type=long_type
    )
    weekday = tomorrow_at(10).weekday()
    # Open 15 minutes later: the day's slots are now 8:15, 8:45 ... 10:15 ...
    hours = OpeningHours.objects.get(weekday=weekday)
    services.opening_hours_update(
        hours=hours,
        opens=datetime.time(hours.opens.hour, 15),
        closes=hours.closes,
    )
    book(PetFactory(owner=customer), starts_at=tomorrow_at(10, 15))

    cancel(visit)

    # 10:15 lies within 10:00-11:00 but is the other visit's: still counted.
    assert booked_at(tomorrow_at(10), tomorrow_at(10, 15), tomorrow_at(10, 30)) == [
        0,
        1,
        0,
    ]


def test_a_visit_and_a_hold_keep_where_they_end(customer, long_type):
    visit = book(
        PetFactory(owner=customer), starts_at=tomorrow_at(10), visit_type=long_type
    )
    assert visit.ends_at == tomorrow_at(11)

    services.reservation_update(
        reservation=visit,
        by=customer,
        starts_at=tomorrow_at(14),
        symptoms=visit.symptoms,
        breathing_trouble=False,
        heavy_bleeding=False,
        collapse_or_seizure=False,
    )

    visit.refresh_from_db()
    assert visit.ends_at == tomorrow_at(15)
    entry = join_tomorrow(customer, long_type)
    cancel(visit)
    entry.refresh_from_db()
    assert entry.offered_slot.starts_at == tomorrow_at(14)
    assert entry.offer_ends_at == tomorrow_at(15)


def test_the_calendar_file_ends_where_the_visit_ends(customer, long_type):
    visit = book(
        PetFactory(owner=customer), starts_at=tomorrow_at(10), visit_type=long_type
    )
    # A row as a slot length changed since would leave it (written directly).
    ClinicSettings.objects.filter(pk=1).update(slot_minutes=15)

    event = Calendar.from_ical(visit_calendar(visit)).walk("VEVENT")[0]

    assert event.decoded("dtstart") == tomorrow_at(10)
    assert event.decoded("dtend") == tomorrow_at(11)


def test_the_admin_says_why_the_slot_length_stays(doctor_client, customer):
    book(PetFactory(owner=customer), starts_at=tomorrow_at(10))

    response = doctor_client.post(
        SETTINGS_URL,
        {"slot_minutes": "15", "doctors_on_duty": "3", "booking_horizon_days": "30"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "The slot length cannot change while visits" in page
    end = timezone.localtime(tomorrow_at(10, 30))
    assert f"{end:%Y-%m-%d %H:%M}" in page
    rules = ClinicSettings.current()
    assert (rules.slot_minutes, rules.doctors_on_duty) == (30, 1)


def test_the_migration_fills_the_ends_of_visits_and_holds_made_before(customer):
    visit = book(PetFactory(owner=customer), starts_at=tomorrow_at(10))
    entry = join_tomorrow(customer)
    cancel(visit)
    Reservation.objects.update(ends_at=None)
    WaitlistEntry.objects.update(offer_ends_at=None)
    migration = importlib.import_module("reservations.migrations.0010_visit_ends")

    migration.fill_ends(apps, None)

    visit.refresh_from_db()
    entry.refresh_from_db()
    assert visit.ends_at == tomorrow_at(10, 30)
    assert entry.offer_ends_at == tomorrow_at(10, 30)
