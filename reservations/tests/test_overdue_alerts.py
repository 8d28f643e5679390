"""Issue 16: a visit past its band's maximum wait alerts every doctor online,
on whatever dashboard page they are: the minute's job pushes it once per
visit, to the doctors' dashboard sockets only."""

import datetime
import threading

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.tests.sockets import (
    connected,
    doctor_after_a_flush,
    frame_of,
    nothing_but_presence,
)
from core import realtime, schedule
from core.tests.databases import only_on_postgresql
from pets.tests.factories import PetFactory
from reservations import reminders
from reservations.models import MaxWait, Reservation, State, Triage
from reservations.realtime import DOCTORS_DASHBOARD_GROUP
from reservations.services import overdue_visits_alert
from reservations.tests.factories import make_front_desk, make_visit, today_at

NOON = today_at(12)


@pytest.fixture
def at_noon(time_machine):
    time_machine.move_to(NOON, tick=False)
    return time_machine


@pytest.fixture
def pushed(monkeypatch):
    """What the job's pushes would have sent: (group, event) pairs."""
    sent = []
    monkeypatch.setattr(
        realtime, "push", lambda group, event, **options: sent.append((group, event))
    )
    return sent


def waiting_since(owner, minutes, *, triage=Triage.EMERGENCY, name="Rex", **fields):
    fields.setdefault("state", State.CHECKED_IN)
    return make_visit(
        PetFactory(owner=owner, name=name),
        triage=triage,
        starts_at=today_at(11),
        checked_in_at=NOON - datetime.timedelta(minutes=minutes),
        **fields,
    )


def run_job(capture):
    with capture(execute=True):
        return overdue_visits_alert()


def alert(visit, band="emergency", minutes=15):
    return (
        DOCTORS_DASHBOARD_GROUP,
        {
            "type": "dashboard.overdue",
            "visit": visit.pk,
            "pet": visit.pet.name,
            "band": band,
            "minutes": minutes,
        },
    )


# --- the job ----------------------------------------------------------------


def test_the_job_runs_every_minute():
    job = next(job for job in schedule.jobs() if "alert_overdue_visits" in job.name)
    assert job.period == datetime.timedelta(minutes=1)
    assert job.task is reminders.alert_overdue_visits


@pytest.mark.django_db
def test_a_visit_past_its_maximum_is_pushed_to_the_doctors_once(
    customer, at_noon, pushed, django_capture_on_commit_callbacks
):
    late = waiting_since(customer, 16, name="Late")

    assert run_job(django_capture_on_commit_callbacks) == 1
    assert pushed == [alert(late)]
    late.refresh_from_db()
    assert late.overdue_alerted_at == NOON

    # The next minutes, and a doctor who opens the queue, hear nothing more.
    at_noon.shift(datetime.timedelta(minutes=5))
    assert run_job(django_capture_on_commit_callbacks) == 0
    assert pushed == [alert(late)]


@pytest.mark.django_db
def test_nothing_is_pushed_before_the_maximum(
    customer, at_noon, pushed, django_capture_on_commit_callbacks
):
    visit = waiting_since(customer, 14)
    waiting_since(customer, 58, triage=Triage.STANDARD, name="Tom")

    assert run_job(django_capture_on_commit_callbacks) == 0
    assert pushed == []

    # A minute later the emergency has waited 15 minutes: its maximum.
    at_noon.shift(datetime.timedelta(minutes=1))
    assert run_job(django_capture_on_commit_callbacks) == 1
    assert pushed == [alert(visit)]


@pytest.mark.django_db
def test_each_band_has_its_own_maximum(
    customer, at_noon, pushed, django_capture_on_commit_callbacks
):
    MaxWait.objects.filter(band=Triage.STANDARD).update(minutes=30)
    standard = waiting_since(customer, 31, triage=Triage.STANDARD, name="Tom")
    # Not triaged yet, with a red flag: under the emergency maximum.
    flagged = waiting_since(
        customer, 16, triage=Triage.UNTRIAGED, name="Kiki", heavy_bleeding=True
    )
    waiting_since(customer, 16, triage=Triage.UNTRIAGED, name="Mimi")

    assert run_job(django_capture_on_commit_callbacks) == 2
    assert sorted(pushed, key=lambda push: push[1]["pet"]) == [
        alert(flagged),
        alert(standard, band="standard", minutes=30),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "state",
    [State.CONFIRMED, State.IN_TREATMENT, State.CANCELLED, State.NO_SHOW],
)
def test_only_checked_in_visits_are_pushed(
    customer, at_noon, pushed, django_capture_on_commit_callbacks, state
):
    # Arrived two hours ago, but no longer (or not yet) waiting for a doctor.
    waiting_since(customer, 120, state=state)

    assert run_job(django_capture_on_commit_callbacks) == 0
    assert pushed == []


@only_on_postgresql("two runs write at once; SQLite serialises writers")
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_push_a_visit_once(customer, at_noon, pushed):
    """Two runs list the same visit; only the one whose mark changed the row
    pushes. (Outside a transaction the push is sent as the run commits.)"""
    late = waiting_since(customer, 20)
    both_listed = threading.Barrier(2, timeout=10)
    listed = Reservation.objects.filter

    def listing(*args, **kwargs):
        rows = list(listed(*args, **kwargs).select_related("pet"))
        if kwargs.get("overdue_alerted_at__isnull") and "pk" not in kwargs:
            both_listed.wait()
        return _Listed(rows)

    counts = []

    def run():
        try:
            counts.append(overdue_visits_alert(now=NOON))
        finally:
            connection.close()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Reservation.objects, "filter", _filter_through(listing))
        workers = [threading.Thread(target=run) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    assert sorted(counts) == [0, 1]
    assert pushed == [alert(late)]


class _Listed(list):
    def select_related(self, *fields):
        return self


def _filter_through(listing):
    """Reservation.objects.filter, but the job's listing (not its mark) goes
    through `listing`, which holds both runs until each has its list."""
    filter_ = Reservation.objects.filter

    def patched(*args, **kwargs):
        if kwargs.get("overdue_alerted_at__isnull") and "pk" not in kwargs:
            return listing(*args, **kwargs)
        return filter_(*args, **kwargs)

    return patched


# --- who hears it -----------------------------------------------------------


async def _dashboard(user):
    communicator, greetings = await connected("/ws/dashboard/", user, greetings=1)
    assert greetings[0]["type"] == "presence"
    assert await nothing_but_presence(communicator)
    return communicator


def _late_visit(owner):
    visit = waiting_since(owner, 20, name="Bolt")
    return visit.pk


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_doctors_dashboard_socket_hears_the_alert_and_others_do_not(
    customer, at_noon
):
    doctor = await sync_to_async(doctor_after_a_flush)()
    desk = await sync_to_async(make_front_desk)()
    doctors_page = await _dashboard(doctor)
    desks_page = await _dashboard(desk)
    customers_page, _greetings = await connected("/ws/notifications/", customer)
    visit = await sync_to_async(_late_visit)(customer)

    assert await sync_to_async(overdue_visits_alert)() == 1

    assert await frame_of(doctors_page, "overdue") == {
        "type": "overdue",
        "visit": visit,
        "pet": "Bolt",
        "band": "emergency",
        "minutes": 15,
    }
    assert await nothing_but_presence(desks_page)
    assert await nothing_but_presence(customers_page)
    for communicator in (doctors_page, desks_page, customers_page):
        await communicator.disconnect()


# --- the page ---------------------------------------------------------------


@pytest.mark.django_db
def test_every_dashboard_page_of_a_doctor_has_the_alerts_box(doctor_client):
    html = doctor_client.get(reverse("admin:pets_pet_changelist")).content.decode()

    assert html.count("data-wait-alerts") == 1
    assert 'data-wait-band-emergency="Emergency"' in html


@pytest.mark.django_db
def test_the_front_desks_other_pages_have_none():
    desk = Client()
    desk.force_login(make_front_desk())

    changelist = desk.get(reverse("admin:reservations_reservation_changelist"))
    queue = desk.get(reverse("admin:reservations_queue"))

    assert "data-wait-alerts" not in changelist.content.decode()
    # The queue lists the waits: its rows alert the desk as before.
    assert queue.content.decode().count("data-wait-alerts") == 1
