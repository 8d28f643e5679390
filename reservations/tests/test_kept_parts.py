"""My visits, a visit's page and the plain booking page are parts kept
rendered (core/page_parts.py):
loaded again, they ask the database nothing of visits, and they are drawn
afresh whenever anything they show changes, however the change is written."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.sockets import doctor_after_a_flush
from pets.tests.factories import PetFactory
from reservations import services
from reservations.models import (
    ClinicSettings,
    MaxWait,
    State,
    VisitType,
    WaitlistEntry,
)
from reservations.tests.factories import book, make_visit, tomorrow_at
from reservations.views import ReservationDetailView

pytestmark = pytest.mark.django_db


@pytest.fixture
def pet(customer):
    return PetFactory(owner=customer, name="Mochi")


def my_visits(client, **params):
    response = client.get(reverse("reservations:list"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_loaded_again_the_list_asks_nothing_of_visits(customer_client, pet):
    make_visit(pet, state=State.CONFIRMED)
    make_visit(pet, state=State.FINISHED)
    first = my_visits(customer_client)

    with CaptureQueriesContext(connection) as asked:
        again = my_visits(customer_client)

    assert again.count("data-visit-id") == first.count("data-visit-id") == 2
    assert not [q for q in asked.captured_queries if "reservations_" in q["sql"]]


def test_a_saved_visit_shows_its_new_state(customer_client, pet):
    visit = make_visit(pet, state=State.REQUESTED)
    assert 'data-state="requested"' in my_visits(customer_client)

    visit.state = State.CONFIRMED
    visit.save()

    assert 'data-state="confirmed"' in my_visits(customer_client)


def test_a_renamed_visit_type_shows(customer_client, pet):
    visit = make_visit(pet, state=State.CONFIRMED)
    my_visits(customer_client)

    kind = VisitType.objects.get(pk=visit.visit_type_id)
    kind.name = "Dental check"
    kind.save()

    assert "Dental check" in my_visits(customer_client)


def test_a_waitlist_entry_left_elsewhere_goes(customer_client, customer, pet):
    day = tomorrow_at(10).date()
    entry = services.waitlist_join(
        owner=customer, pet=pet, first_day=day, last_day=day, symptoms="Check-up."
    )
    assert 'data-testid="waitlist"' in my_visits(customer_client)

    WaitlistEntry.objects.filter(pk=entry.pk).update(state=WaitlistEntry.State.LEFT)

    assert 'data-testid="waitlist"' not in my_visits(customer_client)


def test_each_page_of_the_history_is_its_own(customer_client, pet):
    for _ in range(25):
        make_visit(pet, state=State.FINISHED)
    first = my_visits(customer_client)
    second = my_visits(customer_client, page=2)
    assert first.count("data-visit-id") == 20
    assert second.count("data-visit-id") == 5
    page = reverse("reservations:list")
    assert customer_client.get(page, {"page": 3}).status_code == 404
    assert customer_client.get(page, {"page": "x"}).status_code == 404
    # One page under any of its spellings, kept once.
    assert my_visits(customer_client, page="02").count("data-visit-id") == 5


def test_another_customer_never_gets_the_kept_list(
    customer_client, pet, other_customer
):
    make_visit(pet, state=State.CONFIRMED)
    assert "Mochi" in my_visits(customer_client)

    other = Client()
    other.force_login(other_customer)

    assert not re.search(r"\bMochi\b", my_visits(other))


def test_a_kept_lists_form_works_from_another_browser(customer, pet):
    day = tomorrow_at(10).date()
    entry = services.waitlist_join(
        owner=customer, pet=pet, first_day=day, last_day=day, symptoms="Check-up."
    )
    laptop, phone = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    laptop.force_login(customer)
    phone.force_login(customer)
    my_visits(laptop)  # kept

    page = my_visits(phone)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    response = phone.post(
        reverse("reservations:waitlist-leave", args=[entry.pk]),
        {"csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.state == WaitlistEntry.State.LEFT


# --- a visit's page ----------------------------------------------------------


def visit_page(client, visit):
    response = client.get(visit.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_a_visit_page_loaded_again_asks_nothing_of_its_queue_or_events(
    customer_client, pet
):
    visit = make_visit(pet, state=State.CONFIRMED, triage="standard")
    first = visit_page(customer_client, visit)

    with CaptureQueriesContext(connection) as asked:
        again = visit_page(customer_client, visit)

    assert again.count('data-testid="queue-place"') == 1
    assert first.count('data-testid="queue-place"') == 1
    asked = [q["sql"] for q in asked.captured_queries]
    assert not [sql for sql in asked if "reservations_reservationevent" in sql]
    # The visit itself (may it be seen?), not the day's queue.
    assert len([sql for sql in asked if 'FROM "reservations_reservation"' in sql]) == 1


def test_a_visit_page_shows_the_doctors_move_and_the_new_place(
    customer_client, pet, doctor
):
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1)
    ahead = make_visit(PetFactory(), triage="standard", queue_position=1)
    visit = make_visit(pet, state=State.REQUESTED, triage="standard", queue_position=2)
    assert "Number 2" in visit_page(customer_client, visit)

    services.reservation_advance(reservation=visit, by=doctor, note="See you soon.")
    ahead.state = State.IN_TREATMENT
    ahead.save()

    page = visit_page(customer_client, visit)
    assert 'data-state="confirmed"' in page
    assert "See you soon." in page
    assert "Number 1" in page


def test_a_visit_page_shows_a_renamed_doctor(customer_client, pet, doctor):
    visit = make_visit(pet, state=State.REQUESTED)
    services.reservation_advance(reservation=visit, by=doctor)
    visit_page(customer_client, visit)

    doctor.display_name = "Dr. Renamed"
    doctor.save()

    assert "Dr. Renamed" in visit_page(customer_client, visit)


# --- the plain booking page --------------------------------------------------


def booking_page(client):
    response = client.get(reverse("reservations:new"))
    assert response.status_code == 200
    return response.content.decode()


def offered_times(page):
    return [
        datetime.datetime.fromisoformat(value)
        for value in re.findall(r'name="starts_at" id="slot-\d+" value="([^"]+)"', page)
    ]


@pytest.mark.calendar  # the day's free times
def test_the_booking_page_loaded_again_asks_nothing_of_slots_or_pets(
    customer_client, pet
):
    first = booking_page(customer_client)

    with CaptureQueriesContext(connection) as asked:
        again = booking_page(customer_client)

    assert offered_times(again) == offered_times(first) != []
    assert 'name="pet"' in again
    asked = [q["sql"] for q in asked.captured_queries]
    assert not [sql for sql in asked if "reservations_" in sql or "pets_" in sql]


@pytest.mark.calendar  # the day's free times
def test_a_time_another_owner_takes_leaves_the_booking_page(customer_client, pet):
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1)
    taken = offered_times(booking_page(customer_client))[0]

    book(PetFactory(), starts_at=taken)

    assert taken not in offered_times(booking_page(customer_client))


@pytest.mark.calendar  # the day's free times
def test_a_time_that_has_begun_leaves_the_booking_page(
    customer_client, pet, time_machine
):
    # Midnight: the first day with free times offers all of its times (late
    # in an afternoon, today had offered one only, and the test failed).
    midnight = datetime.datetime.combine(
        timezone.localdate() + datetime.timedelta(days=1),
        datetime.time.min,
        tzinfo=timezone.get_current_timezone(),
    )
    time_machine.move_to(midnight, tick=False)
    first, second = offered_times(booking_page(customer_client))[:2]

    time_machine.move_to(first + datetime.timedelta(minutes=1), tick=False)

    offered = offered_times(booking_page(customer_client))
    assert first not in offered
    assert second in offered


@pytest.mark.calendar  # the day's free times
def test_a_new_pet_joins_the_booking_pages_choices(customer_client, customer, pet):
    booking_page(customer_client)

    tofu = PetFactory(owner=customer, name="Tofu")

    assert f'<option value="{tofu.pk}">Tofu</option>' in booking_page(customer_client)


def test_a_new_wait_limit_shows_on_the_visit_page(customer_client, pet):
    visit = make_visit(pet, state=State.CHECKED_IN, triage="standard")
    assert "60 min" in visit_page(customer_client, visit)

    MaxWait.objects.update_or_create(band="standard", defaults={"minutes": 45})

    page = visit_page(customer_client, visit)
    assert "45 min" in page
    assert "60 min" not in page


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_while_a_visit_page_is_drawn_is_not_kept_behind(
    customer, pet, settings, monkeypatch
):
    """The doctor confirms just after the page has read the visit to check
    who may see it: the part is looked up after that, drawn from the visit
    read again, and the next page shows the confirmation too."""
    settings.GENERATIONS_WAIT_FOR_COMMIT = True
    doctor = doctor_after_a_flush()
    visit = make_visit(pet, state=State.REQUESTED)
    client = Client()
    client.force_login(customer)
    read_to_check = ReservationDetailView.get_object
    confirmed = []

    def confirmed_meanwhile(self, queryset=None):
        checked = read_to_check(self, queryset)
        if not confirmed:
            confirmed.append(services.reservation_advance(reservation=visit, by=doctor))
        return checked

    monkeypatch.setattr(ReservationDetailView, "get_object", confirmed_meanwhile)

    first = visit_page(client, visit)
    again = visit_page(client, visit)

    assert 'data-state="confirmed"' in first
    assert 'data-state="confirmed"' in again
