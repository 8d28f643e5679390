"""The customer's visit pages: owner, another customer (404), doctor, anonymous."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.background import run_ready_tasks
from pets.tests.factories import PetFactory
from reservations.forms import CHOOSE_TIME_ERROR
from reservations.models import (
    ClinicSettings,
    OpeningHours,
    Reservation,
    ReservationEvent,
    State,
)
from reservations.services import (
    CANCEL_REASON_REQUIRED_ERROR,
    NOT_EDITABLE_ERROR,
    PET_HAS_ONGOING_VISIT_ERROR,
    PET_NOT_BOOKABLE_ERROR,
    SLOT_TAKEN_ERROR,
)
from reservations.tests.factories import book, make_visit, tomorrow_at

pytestmark = pytest.mark.django_db

OWNER_PAGES = ["reservations:edit", "reservations:cancel", "reservations:pickup"]


@pytest.fixture
def pet(customer):
    return PetFactory(owner=customer, name="Mochi")


@pytest.fixture
def visit(pet):
    return book(pet, starts_at=tomorrow_at(11))


def booking(pet, at=None, **fields):
    return {
        "pet": pet.pk,
        "starts_at": (at or tomorrow_at(10)).isoformat(),
        "symptoms": "Not eating since yesterday.",
        **fields,
    }


def page_text(response):
    return response.content.decode()


# --- who may see what ------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["reservations:detail", "reservations:edit", "reservations:cancel"]
)
def test_another_customer_gets_404_for_every_visit_page(
    client, other_customer, visit, name
):
    client.force_login(other_customer)
    assert client.get(reverse(name, args=[visit.pk])).status_code == 404
    if name != "reservations:detail":
        response = client.post(reverse(name, args=[visit.pk]), {"reason": "Mine."})
        assert response.status_code == 404
    visit.refresh_from_db()
    assert visit.state == State.REQUESTED


def test_another_customer_cannot_confirm_pickup(client, other_customer, pet):
    ready = make_visit(pet, state=State.READY_FOR_RELEASE)
    client.force_login(other_customer)
    response = client.post(reverse("reservations:pickup", args=[ready.pk]))
    assert response.status_code == 404
    ready.refresh_from_db()
    assert ready.state == State.READY_FOR_RELEASE


@pytest.mark.parametrize(
    "url",
    [
        "/reservations/",
        "/reservations/new/",
        "/reservations/1/",
        "/reservations/1/edit/",
        "/reservations/1/cancel/",
        "/reservations/1/pickup/",
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_doctor_reads_a_visit_page_but_changes_visits_in_the_dashboard(
    doctor_client, visit
):
    response = doctor_client.get(visit.get_absolute_url())
    assert response.status_code == 200
    assert "Mochi" in page_text(response)
    for name in OWNER_PAGES:
        assert doctor_client.post(reverse(name, args=[visit.pk])).status_code == 404


def test_the_list_shows_only_the_customers_own_visits(
    customer_client, visit, other_customer
):
    make_visit(PetFactory(owner=other_customer, name="Rex"))
    text = page_text(customer_client.get(reverse("reservations:list")))
    assert "Mochi" in text
    # A word of its own: the page's random CSRF token may hold the letters.
    assert not re.search(r"\bRex\b", text)


# --- the list --------------------------------------------------------------


def test_current_visits_and_history_are_listed_apart(customer_client, pet):
    make_visit(pet, state=State.CONFIRMED)
    make_visit(PetFactory(owner=pet.owner, name="Old Tom"), state=State.FINISHED)
    make_visit(PetFactory(owner=pet.owner, name="Bun"), state=State.CANCELLED)

    response = customer_client.get(reverse("reservations:list"))

    current = response.context["view"].current
    assert [visit.pet.name for visit, _place in current] == ["Mochi"]
    assert sorted(visit.pet.name for visit in response.context["view"].history) == [
        "Bun",
        "Old Tom",
    ]
    assert 'data-testid="current-visits"' in page_text(response)


def test_a_customer_without_pets_is_asked_to_add_one_first(customer_client):
    text = page_text(customer_client.get(reverse("reservations:list")))
    assert "Add a pet first" in text


def _list_queries(client):
    client.get(reverse("reservations:list"))  # the navbar counts are cached since
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("reservations:list")).status_code == 200
    return len(queries)


def test_the_list_runs_the_same_queries_for_1_and_100_visits(customer_client, pet):
    make_visit(pet, state=State.CONFIRMED)
    make_visit(pet, state=State.FINISHED)
    few = _list_queries(customer_client)
    for _ in range(99):
        make_visit(PetFactory(owner=pet.owner), state=State.CONFIRMED)
        make_visit(pet, state=State.FINISHED)
    assert _list_queries(customer_client) == few


# --- booking ---------------------------------------------------------------


def test_the_booking_page_offers_the_free_times_of_the_day_asked_for(
    customer_client, pet
):
    day = tomorrow_at(10).date()
    response = customer_client.get(
        reverse("reservations:new"), {"date": day.isoformat(), "pet": pet.pk}
    )
    text = page_text(response)
    assert f'value="{tomorrow_at(10).isoformat()}"' in text
    assert response.context["times"].day == day
    assert response.context["form"]["pet"].value() == str(pet.pk)


def test_a_full_time_is_not_offered(customer_client, pet):
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1)
    book(PetFactory(owner=pet.owner), starts_at=tomorrow_at(10))
    response = customer_client.get(
        reverse("reservations:new"), {"date": tomorrow_at(10).date().isoformat()}
    )
    offered = response.context["times"].free_slots
    assert tomorrow_at(10) not in offered
    assert tomorrow_at(11) in offered


def test_booking_makes_a_requested_visit_and_tells_the_owner(
    customer_client, pet, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = customer_client.post(reverse("reservations:new"), booking(pet))
    run_ready_tasks()

    visit = Reservation.objects.get(pet=pet)
    assert response.status_code == 302
    assert response["Location"] == visit.get_absolute_url()
    assert visit.state == State.REQUESTED
    assert visit.slot.starts_at == tomorrow_at(10)
    assert visit.events.get().kind == ReservationEvent.Kind.CREATED
    assert len(mail.outbox) == 1
    assert "Mochi" in mail.outbox[0].subject
    assert visit.get_absolute_url() in mail.outbox[0].body


def test_a_red_flag_tells_the_owner_to_come_in_now(customer_client, pet):
    response = customer_client.post(
        reverse("reservations:new"),
        booking(pet, breathing_trouble="on"),
        follow=True,
    )
    visit = Reservation.objects.get(pet=pet)
    assert visit.possible_emergency
    assert 'data-testid="come-in-now"' in page_text(response)


def test_the_booking_pages_red_flag_warning_gives_the_emergency_line(
    customer_client, pet, settings
):
    settings.HOSPITAL_EMERGENCY_PHONE = "+86 21 6666 0120"

    html = page_text(customer_client.get(reverse("reservations:new")))

    warning = html[html.index("data-red-flag-warning") :]
    assert 'href="tel:+862166660120"' in warning[: warning.index("</div>")]


def test_booking_without_a_red_flag_shows_no_emergency_warning(customer_client, pet):
    response = customer_client.post(
        reverse("reservations:new"), booking(pet), follow=True
    )
    assert 'data-testid="come-in-now"' not in page_text(response)


def test_a_taken_time_gets_a_clear_message_and_books_nothing(customer_client, pet):
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1)
    book(PetFactory(owner=pet.owner), starts_at=tomorrow_at(10))

    response = customer_client.post(reverse("reservations:new"), booking(pet))

    assert response.status_code == 400
    assert str(SLOT_TAKEN_ERROR) in page_text(response)
    assert not Reservation.objects.filter(pet=pet).exists()


def test_a_pet_with_an_ongoing_visit_cannot_be_booked_again(
    customer_client, pet, visit
):
    response = customer_client.post(
        reverse("reservations:new"), booking(pet, tomorrow_at(14))
    )
    assert response.status_code == 400
    assert str(PET_HAS_ONGOING_VISIT_ERROR) in page_text(response)
    assert Reservation.objects.filter(pet=pet).count() == 1


def test_the_ongoing_visit_error_links_to_that_visit(customer_client, customer, visit):
    # A name that is markup stays text inside the link.
    visit.pet.name = "<b>Rex</b>"
    visit.pet.save()

    response = customer_client.post(
        reverse("reservations:new"), booking(visit.pet, tomorrow_at(14))
    )

    html = response.content.decode()
    link = re.search(
        r'<a href="([^"]+)"[^>]*data-testid="ongoing-visit">([^<]*)</a>', html
    )
    assert link, "no link to the ongoing visit"
    assert link.group(1) == visit.get_absolute_url()
    assert link.group(2) == "Open &lt;b&gt;Rex&lt;/b&gt;&#x27;s visit"
    assert "<b>Rex</b>" not in html


def test_another_customers_pet_cannot_be_booked(customer_client, pet, other_customer):
    strangers_pet = PetFactory(owner=other_customer)
    response = customer_client.post(reverse("reservations:new"), booking(strangers_pet))
    assert response.status_code == 400
    assert str(PET_NOT_BOOKABLE_ERROR) in page_text(response)
    assert not Reservation.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"starts_at": ""}, "starts_at", CHOOSE_TIME_ERROR),
        ({"starts_at": "tomorrow"}, "starts_at", CHOOSE_TIME_ERROR),
        ({"symptoms": ""}, "symptoms", "This field is required."),
        (
            {"symptoms": "x" * 2001},
            "symptoms",
            "Ensure this value has at most 2000 characters (it has 2001).",
        ),
    ],
)
def test_a_booking_with_bad_input_is_refused_with_its_error(
    customer_client, pet, fields, field, error
):
    response = customer_client.post(reverse("reservations:new"), booking(pet, **fields))
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [str(error)]
    assert not Reservation.objects.exists()


def test_a_time_outside_the_opening_hours_is_refused(customer_client, pet):
    response = customer_client.post(
        reverse("reservations:new"), booking(pet, tomorrow_at(3))
    )
    assert response.status_code == 400
    assert "cannot be booked" in page_text(response)


# --- the visit page --------------------------------------------------------


def test_the_visit_page_shows_state_band_queue_place_wait_and_events(
    customer_client, pet, doctor
):
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1, slot_minutes=30)
    ahead = make_visit(PetFactory(), triage="emergency", queue_position=1)
    mine = make_visit(pet, triage="standard", state=State.CONFIRMED, queue_position=1)
    ReservationEvent.objects.create(
        reservation=mine,
        kind="state",
        actor=doctor,
        from_value="requested",
        to_value="confirmed",
        note="See you soon.",
    )

    response = customer_client.get(mine.get_absolute_url())

    text = page_text(response)
    assert response.context["view"].place.place == 2
    assert 'data-state="confirmed"' in text
    assert 'data-triage="standard"' in text
    assert "Number 2" in text
    assert "about 30 minutes" in text
    assert "See you soon." in text
    assert ahead.pet.name not in text


def test_a_visit_in_treatment_has_no_place_in_the_queue(customer_client, pet):
    visit = make_visit(pet, state=State.IN_TREATMENT)
    response = customer_client.get(visit.get_absolute_url())
    assert response.context["view"].place is None
    assert 'data-testid="queue-place"' not in page_text(response)


def _two_visits_ahead(day_visit_hour=10):
    # One doctor, two visits ahead: a queue page would say "Number 3" and
    # "about 60 minutes".
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1, slot_minutes=30)
    for place in (1, 2):
        make_visit(PetFactory(), triage="standard", queue_position=place)


def test_a_possible_emergency_shows_only_come_in_now_with_the_emergency_phone(
    customer_client, pet, settings
):
    settings.HOSPITAL_EMERGENCY_PHONE = "+86 21 6666 0120"
    _two_visits_ahead()
    visit = make_visit(pet, queue_position=9, collapse_or_seizure=True)

    response = customer_client.get(visit.get_absolute_url())

    text = page_text(response)
    assert 'data-testid="come-in-now"' in text
    assert 'href="tel:+862166660120"' in text
    assert "+86 21 6666 0120" in text
    assert "Number" not in text
    assert "minute" not in text
    assert 'data-testid="queue-place"' not in text
    assert 'data-testid="estimated-wait"' not in text


@pytest.mark.parametrize(
    ("triage", "place", "wait"),
    [("standard", "Number 3", "about 60 minutes"), ("emergency", "Number 1", "next")],
)
def test_a_possible_emergency_once_triaged_shows_its_place_in_the_queue(
    customer_client, pet, triage, place, wait
):
    _two_visits_ahead()
    visit = make_visit(pet, triage=triage, queue_position=9, heavy_bleeding=True)

    text = page_text(customer_client.get(visit.get_absolute_url()))

    # The doctor has decided: the band and the place are the answer.
    assert 'data-testid="come-in-now"' not in text
    assert place in text
    assert wait in text


def test_the_visit_list_marks_a_possible_emergency_instead_of_its_number(
    customer_client, pet
):
    _two_visits_ahead()
    make_visit(pet, queue_position=9, breathing_trouble=True)
    make_visit(PetFactory(owner=pet.owner, name="Calm"), queue_position=10)

    text = page_text(customer_client.get(reverse("reservations:list")))

    assert text.count("data-possible-emergency") == 1
    assert "Possible emergency" in text
    # Only the calm visit has a number in the queue: it comes after the flag.
    assert text.count("in the queue") == 1
    assert "number 4 in the queue" in text


def test_my_pets_and_the_pet_page_mark_a_possible_emergency(customer_client, pet):
    make_visit(pet, heavy_bleeding=True)
    make_visit(PetFactory(owner=pet.owner, name="Calm"))

    pets_page = page_text(customer_client.get(reverse("pets:list")))
    pet_page = page_text(customer_client.get(pet.get_absolute_url()))

    assert pets_page.count("data-possible-emergency") == 1
    assert "Possible emergency" in pet_page


def test_the_booking_e_mail_of_a_possible_emergency_gives_the_emergency_phone(
    pet, settings, django_capture_on_commit_callbacks
):
    settings.HOSPITAL_EMERGENCY_PHONE = "+86 21 6666 0120"

    with django_capture_on_commit_callbacks(execute=True):
        book(pet, breathing_trouble=True)
    run_ready_tasks()

    assert "come to the hospital now" in mail.outbox[0].body
    assert "+86 21 6666 0120" in mail.outbox[0].body


def test_the_home_footer_and_error_pages_show_the_hospitals_phone_numbers(
    client, settings
):
    settings.HOSPITAL_PHONE = "+86 21 6666 0100"
    settings.HOSPITAL_EMERGENCY_PHONE = "+86 21 6666 0120"

    text = page_text(client.get("/"))
    error_page = render_to_string("500.html")

    assert 'href="tel:+862166660100"' in text
    # The emergency line, in the page and in the footer of every page.
    assert text.count('href="tel:+862166660120"') == 2
    assert "+86 21 6666 0120" in error_page
    assert "5555" not in text + error_page


# --- changing, cancelling, collecting --------------------------------------


def test_the_owner_moves_a_visit_to_another_free_time(customer_client, visit):
    response = customer_client.post(
        reverse("reservations:edit", args=[visit.pk]),
        {"starts_at": tomorrow_at(15).isoformat(), "symptoms": "Better now."},
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.slot.starts_at == tomorrow_at(15)
    assert visit.symptoms == "Better now."


def test_the_edit_page_offers_the_visits_own_time(customer_client, visit):
    response = customer_client.get(reverse("reservations:edit", args=[visit.pk]))
    assert response.context["times"].day == tomorrow_at(11).date()
    assert f'value="{tomorrow_at(11).isoformat()}" checked' in page_text(response)


def test_a_started_visit_cannot_be_changed_or_cancelled(customer_client, pet):
    visit = make_visit(pet, state=State.CHECKED_IN)
    for name in ["reservations:edit", "reservations:cancel"]:
        response = customer_client.post(
            reverse(name, args=[visit.pk]),
            {"reason": "Changed my mind.", "starts_at": "", "symptoms": "x"},
            follow=True,
        )
        assert str(NOT_EDITABLE_ERROR) in page_text(response)
    visit.refresh_from_db()
    assert visit.state == State.CHECKED_IN


def test_cancelling_needs_a_reason(customer_client, visit):
    response = customer_client.post(
        reverse("reservations:cancel", args=[visit.pk]), {"reason": "  "}
    )
    assert response.status_code == 400
    assert str(CANCEL_REASON_REQUIRED_ERROR) in page_text(response)
    visit.refresh_from_db()
    assert visit.state == State.REQUESTED


def test_the_owner_cancels_with_a_reason_and_the_visit_moves_to_history(
    customer_client, visit
):
    response = customer_client.post(
        reverse("reservations:cancel", args=[visit.pk]), {"reason": "Feeling better."}
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.state == State.CANCELLED
    assert visit.cancel_reason == "Feeling better."
    history = customer_client.get(reverse("reservations:list")).context["view"].history
    assert list(history) == [visit]


def test_the_owner_confirms_pickup_which_finishes_the_visit(customer_client, pet):
    visit = make_visit(pet, state=State.READY_FOR_RELEASE)
    page = customer_client.get(visit.get_absolute_url())
    assert 'data-testid="confirm-pickup"' in page_text(page)

    response = customer_client.post(reverse("reservations:pickup", args=[visit.pk]))

    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.state == State.FINISHED
    assert visit.events.get().actor == pet.owner


def test_pickup_before_the_pet_is_ready_changes_nothing(customer_client, visit):
    response = customer_client.post(
        reverse("reservations:pickup", args=[visit.pk]), follow=True
    )
    assert "not ready to be collected" in page_text(response)
    visit.refresh_from_db()
    assert visit.state == State.REQUESTED


def _booking_page_queries(client):
    client.get(reverse("reservations:new"))  # the navbar counts are cached since
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("reservations:new")).status_code == 200
    return len(queries)


def test_the_booking_page_reads_the_rules_once_however_far_it_looks(
    customer_client, pet
):
    # Closed every day: the page looks through the whole horizon for a time.
    OpeningHours.objects.update(opens=None, closes=None)
    ClinicSettings.objects.filter(pk=1).update(booking_horizon_days=7)
    week = _booking_page_queries(customer_client)
    ClinicSettings.objects.filter(pk=1).update(booking_horizon_days=365)

    assert _booking_page_queries(customer_client) == week


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-02-30"])
def test_a_day_out_of_range_is_refused_by_the_slots_endpoint(customer_client, day):
    response = customer_client.get(reverse("reservations:slots"), {"date": day})
    assert response.status_code == 400
