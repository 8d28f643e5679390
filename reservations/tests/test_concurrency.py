"""Races with real commits on PostgreSQL: the last place of a slot under 20
simultaneous bookings, and two changes to one visit at the same moment."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from accounts.tests.sockets import doctor_after_a_flush
from core.tests.databases import only_on_postgresql
from pets.tests.factories import PetFactory
from reservations import services
from reservations.models import ClinicSettings, Reservation, Slot, State, Triage
from reservations.services import (
    SLOT_TAKEN_ERROR,
    VISIT_CHANGED_ERROR,
    reservation_version,
)
from reservations.tests.factories import book, ensure_default_hours, tomorrow_at

CONTENDERS = 20

requires_postgresql = only_on_postgresql(
    "SQLite serialises writers; the race is only real on PostgreSQL"
)


@pytest.fixture(autouse=True)
def _patient_pool():
    """These tests race more threads than the pool has connections, and a
    test thread keeps its connection to its end: on a busy machine the last
    ones wait longer than the pool's 3 s (then they would get the 503 page).
    The race is the subject here, not the pool."""
    pool = getattr(connection, "pool", None)
    if pool is None:
        yield
        return
    timeout, pool.timeout = pool.timeout, 60
    yield
    pool.timeout = timeout


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_twenty_bookings_for_the_last_place_give_one_visit(customer):
    ensure_default_hours()
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=2)
    book(PetFactory(owner=customer))  # one of the two places is gone
    pets = [PetFactory(owner=customer) for _ in range(CONTENDERS)]
    start = threading.Barrier(CONTENDERS)
    outcomes = []

    def contend(pet):
        try:
            start.wait()
            book(pet)
            outcomes.append("booked")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=contend, args=(pet,)) for pet in pets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("booked") == 1
    assert outcomes.count(str(SLOT_TAKEN_ERROR)) == CONTENDERS - 1
    slot = Slot.objects.get(starts_at=tomorrow_at(10))
    assert slot.booked == 2 == Reservation.objects.filter(slot=slot).count()


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_twenty_customers_posting_for_the_last_place_see_slot_taken_not_an_error(
    customer,
):
    """The same race through the booking page: one visit, 19 clear messages."""
    ensure_default_hours()
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=2)
    book(PetFactory(owner=customer))
    contenders = []
    for number in range(CONTENDERS):
        pet = PetFactory(owner=UserFactory(username=f"racer{number}"))
        browser = Client()
        browser.force_login(pet.owner)
        contenders.append((browser, pet))
    start = threading.Barrier(CONTENDERS)
    answers = []

    def contend(browser, pet):
        try:
            start.wait()
            answers.append(
                browser.post(
                    reverse("reservations:new"),
                    {
                        "pet": pet.pk,
                        "starts_at": tomorrow_at(10).isoformat(),
                        "symptoms": "Coughing.",
                    },
                )
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=contend, args=pair) for pair in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [302] + [400] * (CONTENDERS - 1)
    refused = [answer for answer in answers if answer.status_code == 400]
    assert all(str(SLOT_TAKEN_ERROR) in answer.content.decode() for answer in refused)
    assert Reservation.objects.filter(slot__starts_at=tomorrow_at(10)).count() == 2


# --- two changes to one visit at the same moment -------------------------------


def _lock_waiters():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0]


def _second_while_first_holds(first, second):
    """Run `first` in a transaction kept open until `second`, in another
    thread, waits for the visit's lock; then commit it and let `second` go on.

    This is a double click (or two tabs, two doctors) without the luck of
    timing: the second change always reads the visit after the first one
    changed it. Returns what `second` returned, or raises what it raised.
    """
    holding, release = threading.Event(), threading.Event()
    outcome = {}

    def run_first():
        try:
            with transaction.atomic():
                first()
                holding.set()
                release.wait(timeout=20)
        finally:
            holding.set()
            connections.close_all()

    def run_second():
        try:
            outcome["value"] = second()
        except Exception as error:  # handed to the test below
            outcome["error"] = error
        finally:
            connections.close_all()

    first_thread = threading.Thread(target=run_first)
    second_thread = threading.Thread(target=run_second)
    first_thread.start()
    holding.wait(timeout=20)
    second_thread.start()
    deadline = time.monotonic() + 20
    while _lock_waiters() == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    release.set()
    first_thread.join()
    second_thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.fixture
def doctor(db):
    # The flush of transactional tests empties the Doctors group too.
    return doctor_after_a_flush(username="dr_chen")


@pytest.fixture
def owner_browser(customer):
    browser = Client()
    browser.force_login(customer)
    return browser


def _move_to(visit, hour):
    return {
        "starts_at": tomorrow_at(hour).isoformat(),
        "symptoms": visit.symptoms,
        "version": reservation_version(visit),
    }


def _places_booked():
    return dict(Slot.objects.values_list("starts_at", "booked"))


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_saving_a_new_time_tells_the_second_the_visit_changed(
    customer, owner_browser
):
    ensure_default_hours()
    visit = book(PetFactory(owner=customer), starts_at=tomorrow_at(11))
    posted = _move_to(visit, 12)  # both clicks post the same page
    edit = reverse("reservations:edit", args=[visit.pk])

    response = _second_while_first_holds(
        lambda: owner_browser.post(edit, posted),
        lambda: owner_browser.post(edit, posted, follow=True),
    )

    assert response.status_code == 200
    assert response.redirect_chain == [(visit.get_absolute_url(), 302)]
    assert "This visit changed meanwhile: it is now Requested." in (
        response.content.decode()
    )
    visit.refresh_from_db()
    assert visit.slot.starts_at == tomorrow_at(12)
    assert _places_booked() == {tomorrow_at(11): 0, tomorrow_at(12): 1}


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_saving_a_new_time_while_the_visit_is_cancelled_says_it_changed(
    customer, owner_browser
):
    ensure_default_hours()
    visit = book(PetFactory(owner=customer), starts_at=tomorrow_at(11))
    posted = _move_to(visit, 12)

    response = _second_while_first_holds(
        lambda: owner_browser.post(
            reverse("reservations:cancel", args=[visit.pk]),
            {"reason": "Feeling better.", "version": posted["version"]},
        ),
        lambda: owner_browser.post(
            reverse("reservations:edit", args=[visit.pk]), posted, follow=True
        ),
    )

    assert "This visit changed meanwhile: it is now Cancelled." in (
        response.content.decode()
    )
    visit.refresh_from_db()
    assert visit.state == State.CANCELLED
    assert visit.slot.starts_at == tomorrow_at(11)
    assert _places_booked() == {tomorrow_at(11): 0}


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_cancelling_while_the_time_is_being_changed_says_it_changed(
    customer, owner_browser
):
    ensure_default_hours()
    visit = book(PetFactory(owner=customer), starts_at=tomorrow_at(11))
    posted = _move_to(visit, 12)

    response = _second_while_first_holds(
        lambda: owner_browser.post(
            reverse("reservations:edit", args=[visit.pk]), posted
        ),
        lambda: owner_browser.post(
            reverse("reservations:cancel", args=[visit.pk]),
            {"reason": "Feeling better.", "version": posted["version"]},
            follow=True,
        ),
    )

    assert "This visit changed meanwhile: it is now Requested." in (
        response.content.decode()
    )
    visit.refresh_from_db()
    assert visit.state == State.REQUESTED
    assert _places_booked() == {tomorrow_at(11): 0, tomorrow_at(12): 1}


@requires_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", ["triage", "confirm", "edit"])
def test_a_change_without_a_page_version_waits_and_applies_to_the_moved_visit(
    customer, doctor, change
):
    """The services' lock loses no visit moved meanwhile: a doctor's triage
    or move (or an edit from a form without a version) applies to the visit
    as it now is (it raised DoesNotExist: a 500)."""
    ensure_default_hours()
    visit = book(PetFactory(owner=customer), starts_at=tomorrow_at(11))
    second = {
        "triage": lambda: services.reservation_triage(
            reservation=visit, triage=Triage.STANDARD, by=doctor
        ),
        "confirm": lambda: services.reservation_transition(
            reservation=visit, to_state=State.CONFIRMED, by=doctor
        ),
        "edit": lambda: services.reservation_update(
            reservation=visit,
            by=customer,
            starts_at=tomorrow_at(12),
            symptoms="Worse today.",
            breathing_trouble=False,
            heavy_bleeding=False,
            collapse_or_seizure=False,
        ),
    }[change]

    _second_while_first_holds(
        lambda: services.reservation_update(
            reservation=visit,
            by=customer,
            starts_at=tomorrow_at(12),
            symptoms=visit.symptoms,
            breathing_trouble=False,
            heavy_bleeding=False,
            collapse_or_seizure=False,
        ),
        second,
    )

    visit.refresh_from_db()
    assert visit.slot.starts_at == tomorrow_at(12)
    assert _places_booked() == {tomorrow_at(11): 0, tomorrow_at(12): 1}


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_change_from_an_old_page_is_refused_under_the_lock(customer, doctor):
    ensure_default_hours()
    visit = book(PetFactory(owner=customer), starts_at=tomorrow_at(11))
    seen = reservation_version(visit)

    with pytest.raises(ValidationError) as refusal:
        _second_while_first_holds(
            lambda: services.reservation_transition(
                reservation=visit, to_state=State.CONFIRMED, by=doctor
            ),
            lambda: services.reservation_transition(
                reservation=visit,
                to_state=State.CANCELLED,
                by=customer,
                note="Feeling better.",
                version=seen,
            ),
        )

    assert refusal.value.messages == [str(VISIT_CHANGED_ERROR) % {"state": "Confirmed"}]
    visit.refresh_from_db()
    assert visit.state == State.CONFIRMED
