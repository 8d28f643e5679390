"""The live dashboard: doctors' open admin pages hear over ws/dashboard/ that
the queue or the Today panel changed, once per transaction, and redraw."""

import datetime
import logging
import re

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.services import user_demote_from_doctor
from accounts.tests.factories import DoctorFactory, UserFactory
from accounts.tests.sockets import (
    closed_with,
    connected,
    doctor_after_a_flush,
    nothing_but_presence,
    socket,
)
from consultation.tests.factories import MessageFactory, ThreadFactory
from core import realtime
from core.sockets import CLOSE_NOT_SIGNED_IN, CLOSE_SESSION_ENDED
from pets.tests.factories import PetFactory
from reservations.models import Reservation, State, Triage
from reservations.services import (
    queue_reorder,
    reservation_transition,
    reservation_triage,
    reservation_update,
    walk_in_register,
)
from reservations.tests.factories import (
    book,
    make_front_desk,
    make_visit,
    tomorrow_at,
)

DASHBOARD = "/ws/dashboard/"
INDEX = reverse("admin:index")
QUEUE = reverse("admin:reservations_queue")


def _today():
    return timezone.localdate().isoformat()


def _tomorrow():
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


def _changed(*reasons, days):
    return {"type": "changed", "reasons": sorted(reasons), "days": sorted(days)}


async def _dashboard(user):
    """A doctor's open dashboard page, past the presence counts it hears
    first (it counts the doctor online)."""
    communicator, greetings = await connected(DASHBOARD, user, greetings=1)
    assert greetings[0]["type"] == "presence"
    assert await nothing_but_presence(communicator)
    return communicator


# --- who may listen ------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_dashboard_socket_refuses_anonymous_visitors():
    communicator = await socket(DASHBOARD)
    await communicator.connect()
    # Accepted, then closed with a code the page reads as "stop retrying".
    closed = await communicator.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": CLOSE_NOT_SIGNED_IN}
    await communicator.disconnect()  # leave no consumer for the loop's close


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_dashboard_socket_refuses_customers(customer):
    communicator = await socket(DASHBOARD, customer)
    await communicator.connect()
    closed = await communicator.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": CLOSE_NOT_SIGNED_IN}
    await communicator.disconnect()  # leave no consumer for the loop's close


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_dashboard_socket_refuses_staff_who_are_not_doctors():
    clerk = await sync_to_async(UserFactory)(is_staff=True)
    communicator = await socket(DASHBOARD, clerk)
    await communicator.connect()
    closed = await communicator.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": CLOSE_NOT_SIGNED_IN}
    await communicator.disconnect()  # leave no consumer for the loop's close


@pytest.mark.calendar  # today's queue
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_front_desk_hears_the_dashboard_too(customer):
    other_doctor = await sync_to_async(doctor_after_a_flush)()
    desk = await sync_to_async(make_front_desk)()
    visits = await sync_to_async(_queue_of_today)(customer)
    dashboard = await _dashboard(desk)

    expected = await sync_to_async(_check_in)(customer, other_doctor, visits)

    assert await dashboard.receive_json_from(timeout=2) == expected
    await dashboard.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_logging_out_closes_the_doctors_dashboard_socket():
    doctor = await sync_to_async(doctor_after_a_flush)()
    dashboard = await _dashboard(doctor)

    await sync_to_async(_log_out_elsewhere)(doctor)

    assert await closed_with(dashboard) == CLOSE_SESSION_ENDED


@pytest.mark.calendar  # a visit booked tomorrow
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_doctor_who_lost_the_role_hears_no_more_changes(customer, monkeypatch):
    """The session.end of the demotion was lost (a Redis blip): the socket
    checks before it passes a change on, and closes instead."""
    monkeypatch.setattr("accounts.notifications._end_sessions", lambda user_id: None)
    monkeypatch.setattr("core.consumers.ACCESS_RECHECK_SECONDS", 0)
    doctor = await sync_to_async(doctor_after_a_flush)()
    dashboard = await _dashboard(doctor)
    await sync_to_async(user_demote_from_doctor)(user=doctor)

    await sync_to_async(_book_tomorrow)(customer, None, None)

    output = await dashboard.receive_output(timeout=2)
    assert output == {"type": "websocket.close", "code": CLOSE_NOT_SIGNED_IN}
    await dashboard.disconnect()


def _log_out_elsewhere(user):
    browser = Client()
    browser.force_login(user)
    browser.post(reverse("account_logout"))


# --- what it hears ---------------------------------------------------------------


def _queue_of_today(owner):
    """Two standard visits today (written straight, so nothing is pushed)."""
    return [
        make_visit(
            PetFactory(owner=owner, name=name),
            triage=Triage.STANDARD,
            state=State.CONFIRMED,
            queue_position=place,
        )
        for place, name in enumerate(["Rex", "Tom"], start=1)
    ]


def _book_tomorrow(owner, other_doctor, visits):
    book(PetFactory(owner=owner, name="Kiki"))
    return _changed("created", days=[_tomorrow()])


def _check_in(owner, other_doctor, visits):
    reservation_transition(
        reservation=visits[0], to_state=State.CHECKED_IN, by=other_doctor
    )
    return _changed("state", days=[_today()])


def _owner_cancels(owner, other_doctor, visits):
    reservation_transition(
        reservation=visits[0], to_state=State.CANCELLED, by=owner, note="Better."
    )
    return _changed("state", days=[_today()])


def _triage(owner, other_doctor, visits):
    reservation_triage(reservation=visits[1], triage=Triage.EMERGENCY, by=other_doctor)
    return _changed("triage", days=[_today()])


def _walk_in(owner, other_doctor, visits):
    walk_in_register(
        by=other_doctor,
        pet=PetFactory(owner=owner, name="Kiki"),
        reason="Hit by a bicycle.",
        triage=Triage.EMERGENCY,
    )
    return _changed("created", "triage", days=[_today()])


def _reorder(owner, other_doctor, visits):
    queue_reorder(
        band=Triage.STANDARD, pks=[visits[1].pk, visits[0].pk], by=other_doctor
    )
    return _changed("reorder", days=[_today()])


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "change",
    [_book_tomorrow, _check_in, _owner_cancels, _triage, _reorder, _walk_in],
    ids=["booking", "check-in", "owners cancel", "triage", "reorder", "walk-in"],
)
@pytest.mark.calendar  # today's queue, a visit tomorrow
async def test_a_doctor_hears_of_another_persons_change(customer, change):
    doctor = await sync_to_async(doctor_after_a_flush)()
    other_doctor = await sync_to_async(DoctorFactory)()
    visits = await sync_to_async(_queue_of_today)(customer)
    dashboard = await _dashboard(doctor)

    expected = await sync_to_async(change)(customer, other_doctor, visits)

    assert await dashboard.receive_json_from(timeout=2) == expected
    assert await dashboard.receive_nothing()
    await dashboard.disconnect()


@pytest.mark.calendar  # tomorrow and the day after
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_visit_moved_to_another_day_names_both_days(customer):
    doctor = await sync_to_async(doctor_after_a_flush)()
    visit = await sync_to_async(lambda: book(PetFactory(owner=customer)))()
    dashboard = await _dashboard(doctor)
    day_after = tomorrow_at(10) + datetime.timedelta(days=1)

    await sync_to_async(reservation_update)(
        reservation=visit,
        by=customer,
        starts_at=day_after,
        symptoms=visit.symptoms,
        breathing_trouble=False,
        heavy_bleeding=False,
        collapse_or_seizure=False,
    )

    # Both queues change: the one it left and the one it joined.
    assert await dashboard.receive_json_from(timeout=2) == _changed(
        "edited", days=[_tomorrow(), day_after.date().isoformat()]
    )
    assert await dashboard.receive_nothing()
    await dashboard.disconnect()


@pytest.mark.calendar  # today's queue
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_triage_and_a_move_saved_together_make_one_push(customer):
    # The visit's admin page saves both in one transaction (save_model). The
    # flush took the Doctors group's permissions: a superuser needs none.
    doctor = await sync_to_async(doctor_after_a_flush)(is_superuser=True)
    visit, _tom = await sync_to_async(_queue_of_today)(customer)
    dashboard = await _dashboard(doctor)

    response = await sync_to_async(_decide_on_the_visit_page)(
        doctor, visit, set_triage="emergency", move_to="checked_in"
    )

    assert response.status_code == 302
    pushed = await dashboard.receive_json_from(timeout=2)
    assert pushed == _changed("state", "triage", days=[_today()])
    assert await dashboard.receive_nothing()
    await dashboard.disconnect()


def _decide_on_the_visit_page(doctor, visit, **decision):
    browser = Client()
    browser.force_login(doctor)
    return browser.post(
        reverse("admin:reservations_reservation_change", args=[visit.pk]),
        {
            "note": "",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
            "events-MIN_NUM_FORMS": "0",
            "events-MAX_NUM_FORMS": "0",
            **decision,
        },
    )


@pytest.mark.calendar  # today's queue
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_rolled_back_change_is_not_pushed_and_the_next_one_is(customer):
    doctor = await sync_to_async(doctor_after_a_flush)()
    rex, tom = await sync_to_async(_queue_of_today)(customer)
    dashboard = await _dashboard(doctor)

    await sync_to_async(_triage_then_fail)(rex, doctor)
    await sync_to_async(reservation_transition)(
        reservation=tom, to_state=State.CHECKED_IN, by=doctor
    )

    # Only the second: the first's push was dropped with its transaction,
    # and did not keep later ones from being registered.
    assert await dashboard.receive_json_from(timeout=2) == _changed(
        "state", days=[_today()]
    )
    assert await dashboard.receive_nothing()
    assert await sync_to_async(_triage_of)(rex) == Triage.STANDARD
    await dashboard.disconnect()


def _triage_then_fail(visit, doctor):
    with pytest.raises(RuntimeError, match="after the triage"):
        _triage_and_fail_in_one_transaction(visit, doctor)


def _triage_and_fail_in_one_transaction(visit, doctor):
    with transaction.atomic():
        reservation_triage(reservation=visit, triage=Triage.EMERGENCY, by=doctor)
        raise RuntimeError("something after the triage failed")


def _triage_of(visit):
    return Reservation.objects.get(pk=visit.pk).triage


@pytest.mark.calendar  # today's queue
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_doctors_own_notifications_do_not_break_the_dashboard_socket():
    # Doctors may own pets too: their group carries notifications as well.
    doctor = await sync_to_async(doctor_after_a_flush)()
    other_doctor = await sync_to_async(DoctorFactory)()
    visit, _tom = await sync_to_async(_queue_of_today)(doctor)
    dashboard = await _dashboard(doctor)

    await sync_to_async(reservation_triage)(
        reservation=visit, triage=Triage.EMERGENCY, by=other_doctor
    )

    assert await dashboard.receive_json_from(timeout=2) == _changed(
        "triage", days=[_today()]
    )
    assert await dashboard.receive_nothing()
    await dashboard.disconnect()


@pytest.mark.calendar  # today's queue
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_dashboard_socket_drops_what_the_page_sends(customer):
    doctor = await sync_to_async(doctor_after_a_flush)()
    visit, _tom = await sync_to_async(_queue_of_today)(customer)
    dashboard = await _dashboard(doctor)

    await dashboard.send_json_to({"type": "changed", "reasons": ["forged"]})
    await dashboard.send_to(text_data="not even JSON")

    assert await dashboard.receive_nothing()
    await sync_to_async(reservation_triage)(
        reservation=visit, triage=Triage.EMERGENCY, by=doctor
    )
    assert await dashboard.receive_json_from(timeout=2) == _changed(
        "triage", days=[_today()]
    )
    await dashboard.disconnect()


# --- the push itself ---------------------------------------------------------------


@pytest.mark.calendar  # today's queue
@pytest.mark.django_db
def test_changes_in_one_transaction_register_one_push(
    customer, doctor, django_capture_on_commit_callbacks
):
    rex, tom = _queue_of_today(customer)

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        reservation_triage(reservation=rex, triage=Triage.EMERGENCY, by=doctor)
        reservation_transition(reservation=tom, to_state=State.CHECKED_IN, by=doctor)
        queue_reorder(band=Triage.STANDARD, pks=[tom.pk], by=doctor)

    pushes = [c for c in callbacks if isinstance(c, realtime.MergedPush)]
    assert len(pushes) == 1
    assert (sorted(pushes[0].values["reasons"]), sorted(pushes[0].values["days"])) == (
        ["reorder", "state", "triage"],
        [_today()],
    )


@pytest.mark.calendar  # today's queue
@pytest.mark.django_db
def test_a_failing_push_is_logged_and_the_change_stands(
    customer, doctor, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    class BrokenLayer:
        async def group_send(self, group, message):
            raise ConnectionError("Redis is away")

    monkeypatch.setattr(realtime, "get_channel_layer", BrokenLayer)
    rex, _tom = _queue_of_today(customer)

    with (
        caplog.at_level(logging.WARNING, logger="healingpaws.reservations"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reservation_triage(reservation=rex, triage=Triage.EMERGENCY, by=doctor)

    rex.refresh_from_db()
    assert rex.triage == Triage.EMERGENCY
    assert "dashboard push (triage) not sent" in caplog.text


# --- the pages -----------------------------------------------------------------------


def _region(html, name):
    """The opening tag of a live region, or None."""
    found = re.search(rf'<[^>]*data-live-region="{name}"[^>]*>', html)
    return found and found.group(0)


@pytest.mark.calendar  # the Today panel
@pytest.mark.django_db
def test_the_today_panel_is_a_live_region_with_its_script(doctor_client):
    html = doctor_client.get(INDEX).content.decode()

    assert 'id="today-panel"' in _region(html, "today")
    assert re.search(r'<script type="module" src="[^"]*js/admin-live\.js">', html)
    # The socket and its "paused" notice sit outside the region it redraws.
    status = html.index('data-live-dashboard="/ws/dashboard/"')
    assert status < html.index('data-live-region="today"')
    assert "The live connection is lost. Reconnecting…" in html


@pytest.mark.calendar  # today's queue page
@pytest.mark.django_db
def test_the_queue_page_is_a_live_region_of_its_day(doctor_client):
    day = timezone.localdate() + datetime.timedelta(days=3)

    html = doctor_client.get(f"{QUEUE}?date={day.isoformat()}").content.decode()

    region = _region(html, "queue")
    assert f'data-live-day="{day.isoformat()}"' in region
    # A chat message or a refill request redraws the Today panel's counts,
    # not the queue.
    assert 'data-live-ignore="consultation refill"' in region
    # The bands are inside it, the status lines outside.
    start = html.index(region)
    assert start < html.index('data-queue-band="emergency"')
    assert html.index("data-queue-status") < start
    assert html.index("data-live-dashboard") < start
    # admin-queue.js first: it marks the bands busy and sets up fresh ones.
    scripts = re.findall(
        r'<script type="module" src="[^"]*js/(admin-[a-z]+)\.js">', html
    )
    assert scripts == ["admin-queue", "admin-live"]


@pytest.mark.calendar  # the Today panel
@pytest.mark.django_db
def test_the_today_panel_counts_open_consultations_unread_and_urgent(
    doctor_client, doctor, customer
):
    asking = ThreadFactory(customer=customer)
    MessageFactory(thread=asking)
    MessageFactory(thread=asking, urgent=True)
    MessageFactory(thread=asking, sender=doctor)  # their own: not unread
    ThreadFactory(customer=customer)  # open, nothing unread
    closed = ThreadFactory(customer=customer, state="closed", closed_at=timezone.now())
    MessageFactory(thread=closed, urgent=True)

    response = doctor_client.get(INDEX)

    assert response.context["consultations"] == {
        "threads": 2,
        "unread": 2,
        "urgent": 1,
    }
    panel = _inner_text(response.content.decode(), "today-consultations")
    assert "2 open consultations" in panel
    assert "2 unread messages" in panel
    assert "1 urgent unread" in panel
    assert "?state__exact=open" in response.content.decode()


def _inner_text(html, css_class):
    start = html.index(f'class="{css_class}"')
    return " ".join(
        re.sub(r"<[^>]+>", " ", html[start : html.index("</div>", start)]).split()
    )


@pytest.mark.calendar  # the Today panel
@pytest.mark.django_db
def test_the_dashboard_reads_consultations_in_the_same_queries_for_1_and_20(
    doctor_client, customer
):
    MessageFactory(thread=ThreadFactory(customer=customer), urgent=True)
    cache.clear()  # each count with nothing kept (core/generations.py)
    one = _count_queries(doctor_client, INDEX)
    for _n in range(19):
        MessageFactory(thread=ThreadFactory(customer=UserFactory()))

    cache.clear()
    assert _count_queries(doctor_client, INDEX) == one


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)
