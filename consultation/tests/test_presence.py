"""Who is online: counts, expiry, and what the pages show."""

import asyncio
import datetime
import json
import weakref

import pytest
import redis
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.consumers import NotificationConsumer
from accounts.notifications import notification_group
from accounts.services import user_demote_from_doctor
from accounts.tests.sockets import (
    closed_with,
    collector_off,
    connected,
    doctor_after_a_flush,
    freed,
    live_consumers,
    nothing_but_presence,
)
from consultation.consumers import ConsultationConsumer
from consultation.models import Message, SystemEvent, Thread
from consultation.realtime import thread_group
from consultation.services import message_post
from consultation.tests.factories import ThreadFactory
from core import fanout, presence, presence_store
from core.sockets import CLOSE_SESSION_ENDED
from core.tests.layers import group_size
from reservations.consumers import DashboardConsumer
from reservations.models import OpeningHours


def enter(role, user_id, channel):
    presence.presence_enter(role=role, user_id=user_id, channel=channel)


def test_a_user_with_two_pages_counts_once(no_doctor_online):
    enter(presence.CUSTOMER, 7, "tab-1")
    enter(presence.CUSTOMER, 7, "tab-2")
    enter(presence.CUSTOMER, 8, "tab-3")
    assert presence.online_count(presence.CUSTOMER) == 2

    presence.presence_leave(role=presence.CUSTOMER, user_id=7, channel="tab-1")
    assert presence.online_count(presence.CUSTOMER) == 2
    presence.presence_leave(role=presence.CUSTOMER, user_id=7, channel="tab-2")
    assert presence.online_count(presence.CUSTOMER) == 1


def test_an_entry_not_renewed_within_the_ttl_stops_counting(
    no_doctor_online, monkeypatch, settings
):
    settings.PRESENCE_TTL_SECONDS = 30
    now = 1_000_000.0
    monkeypatch.setattr(presence.time, "time", lambda: now)
    enter(presence.DOCTOR, 1, "crashed-process")
    enter(presence.DOCTOR, 2, "live-process")

    now += 20
    enter(presence.DOCTOR, 2, "live-process")  # a heartbeat
    assert presence.online_count(presence.DOCTOR) == 2

    now += 11  # 31 s after the crashed process's last word
    assert presence.online_count(presence.DOCTOR) == 1
    assert presence.heartbeat() == 10


@pytest.mark.django_db
def test_when_redis_is_away_the_count_is_unknown_and_pages_leave_it_out(
    client, monkeypatch
):
    class Away:
        def users(self, role, now):
            raise redis.ConnectionError("gone")

    monkeypatch.setattr(presence_store, "store", Away)

    assert presence.online_count(presence.DOCTOR) is None
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert 'data-testid="online-doctor"' not in response.content.decode()


@pytest.mark.calendar  # the opening hours of the day
@pytest.mark.django_db
def test_the_home_page_shows_how_many_doctors_are_online(client):
    page = client.get(reverse("home")).content.decode()
    assert "1 doctor online now" in page  # the doctor_online fixture's


@pytest.mark.calendar  # the opening hours of the day
@pytest.mark.django_db
def test_the_home_page_says_when_no_doctor_is_online(client, no_doctor_online):
    assert "No doctor online now" in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_doctors_see_how_many_customers_are_online(doctor_client, customer):
    thread = ThreadFactory(customer=customer)
    enter(presence.CUSTOMER, customer.pk, "alices-tab")
    page = doctor_client.get(thread.get_absolute_url()).content.decode()
    assert "1 customer online now" in page
    admin_page = doctor_client.get(
        reverse("admin:consultation_thread_change", args=[thread.pk])
    ).content.decode()
    assert "1 customer online now" in admin_page


# --- the "no doctor online" notice --------------------------------------------------


def _open_only_on(weekday, opens, closes):
    OpeningHours.objects.all().update(opens=None, closes=None)
    OpeningHours.objects.filter(weekday=weekday).update(opens=opens, closes=closes)


@pytest.mark.calendar  # the opening hours of the day
@pytest.mark.django_db
def test_the_notice_tells_when_the_hospital_opens_next(customer, no_doctor_online):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    _open_only_on(tomorrow.weekday(), datetime.time(9), datetime.time(17))
    thread = ThreadFactory(customer=customer)

    message_post(thread=thread, sender=customer, text="Anyone there?")

    notice = thread.messages.get(event=SystemEvent.NO_DOCTOR)
    assert notice.sender is None
    opens = datetime.datetime.combine(
        tomorrow, datetime.time(9), tzinfo=timezone.get_current_timezone()
    )
    assert notice.display_text == (
        "No doctor is online right now. The hospital opens at "
        f"{date_format(opens, 'DATETIME_FORMAT')}, and a doctor will answer "
        "your message then."
    )


@pytest.mark.calendar  # the opening hours of the day
@pytest.mark.django_db
def test_the_notice_comes_again_after_a_doctor_has_written(
    customer, doctor, no_doctor_online
):
    thread = ThreadFactory(customer=customer)
    message_post(thread=thread, sender=customer, text="One")
    message_post(thread=thread, sender=customer, text="Two")
    message_post(thread=thread, sender=doctor, text="Here.")
    message_post(thread=thread, sender=customer, text="Three")

    events = list(thread.messages.values_list("text", "event"))
    assert events == [
        ("One", ""),
        ("", SystemEvent.NO_DOCTOR),
        ("Two", ""),
        ("Here.", ""),
        ("Three", ""),
        ("", SystemEvent.NO_DOCTOR),
    ]


@pytest.mark.django_db
def test_no_notice_while_a_doctor_is_online(customer):
    thread = ThreadFactory(customer=customer)
    message_post(thread=thread, sender=customer, text="Hello")
    assert not Message.objects.filter(event=SystemEvent.NO_DOCTOR).exists()


@pytest.mark.calendar  # the opening hours of the day
@pytest.mark.django_db
def test_the_notice_is_not_unread_for_the_customer(customer, no_doctor_online):
    thread = ThreadFactory(customer=customer)
    message_post(thread=thread, sender=customer, text="Hello")
    assert Thread.objects.with_unread_count(customer).get().unread_count == 0


# --- the navbar -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_navbar_counts_consultations_with_unread_messages(
    customer_client, customer, doctor
):
    for subject in ("One", "Two"):
        thread = ThreadFactory(customer=customer, subject=subject)
        message_post(thread=thread, sender=doctor, text="Answer")
    ThreadFactory(customer=customer, subject="Read")

    page = customer_client.get(reverse("pets:list")).content.decode()

    assert 'data-testid="unread-consultations">2<' in page


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_doctor_on_any_dashboard_page_counts_as_online(no_doctor_online):
    """Doctors work in the admin: its socket (ws/dashboard/, on every page of
    theirs) counts them, and leaving stops it."""
    doctor = await sync_to_async(doctor_after_a_flush)()
    dashboard, greetings = await connected("/ws/dashboard/", doctor, greetings=1)

    assert greetings == [{"type": "presence", "counts": {"doctor": 1, "customer": 0}}]
    await dashboard.disconnect()
    assert await sync_to_async(presence.online_count)(presence.DOCTOR) == 0


@pytest.mark.calendar  # the opening hours of the day
@pytest.mark.django_db
def test_the_today_panel_shows_who_is_online(doctor_client, no_doctor_online):
    enter(presence.DOCTOR, 1, "a")
    enter(presence.CUSTOMER, 2, "b")
    enter(presence.CUSTOMER, 3, "c")
    page = doctor_client.get(reverse("admin:index")).content.decode()
    online = page.split('data-testid="today-online"', 1)[1].split("</p>", 1)[0]
    assert "1 doctor online now" in online
    assert "2 customers online now" in online
    # Every dashboard page of a doctor keeps the live socket open.
    changelist = doctor_client.get(reverse("admin:pets_pet_changelist"))
    assert "js/admin-live.js" in changelist.content.decode()


# --- sockets that end badly ---------------------------------------------------------


SOCKETS = {
    "notifications": (NotificationConsumer, 2),
    "chat": (ConsultationConsumer, 1),
    "dashboard": (DashboardConsumer, 1),
}


def _path_of(kind, thread):
    return {
        "notifications": "/ws/notifications/",
        "chat": f"/ws/consultation/{thread.pk}/",
        "dashboard": "/ws/dashboard/",
    }[kind]


async def _sends_until_the_crash(socket):
    """Only frames (past presence counts) until the handler's error, which
    this raises. It waits for the consumer to end (within 2 s), where
    receive_output would sit out its whole timeout before raising."""
    ended, _ = await asyncio.wait({socket.future}, timeout=2)
    while not socket.output_queue.empty():
        assert socket.output_queue.get_nowait()["type"] == "websocket.send"
    if not ended:
        raise TimeoutError("the socket did not end within 2 s")
    socket.future.result()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", SOCKETS)
async def test_a_socket_that_crashes_leaves_its_groups_and_stops_counting(
    kind, no_doctor_online, settings, monkeypatch
):
    """Channels runs disconnect() only on a clean close: a consumer that
    raised stayed in its groups for a day and, its heartbeat running, online."""
    settings.PRESENCE_TTL_SECONDS = 0.6  # a heartbeat every 0.2 s
    consumer, greetings = SOCKETS[kind]

    async def crash(self, text_data):
        raise RuntimeError("a handler that fails")

    # A page's frame: a broadcast's handler that fails is only logged, the
    # socket's other pages and events go on (core/fanout.py).
    monkeypatch.setattr(consumer, "receive_frame", crash)
    doctor = await sync_to_async(doctor_after_a_flush)()
    thread = await sync_to_async(ThreadFactory)()
    path = _path_of(kind, thread)
    groups = [
        notification_group(doctor.pk),
        presence.presence_group(presence.DOCTOR),
        presence.presence_group(presence.CUSTOMER),
    ]
    socket, _ = await connected(path, doctor, greetings=greetings)
    assert await sync_to_async(presence.online_count)(presence.DOCTOR) == 1
    assert [await group_size(group) for group in groups] == [1, 1, 1]

    await socket.send_to(text_data="{}")
    with pytest.raises(RuntimeError):
        await _sends_until_the_crash(socket)

    assert [await group_size(group) for group in groups] == [0, 0, 0]
    assert await group_size(thread_group(thread.pk)) == 0
    assert await sync_to_async(presence.online_count)(presence.DOCTOR) == 0
    await asyncio.sleep(0.5)  # a heartbeat left running would count it again
    assert await sync_to_async(presence.online_count)(presence.DOCTOR) == 0


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", SOCKETS)
async def test_a_closed_socket_is_freed_without_a_full_collection(
    kind, no_doctor_online
):
    """Its cancelled heartbeat keeps the frame that refers to the consumer:
    the consumer holding the heartbeat as well made a cycle, which only a full
    collection freed, a pause as long as the open sockets are many
    (healingpaws/heap.py)."""
    consumer_class, greetings = SOCKETS[kind]
    doctor = await sync_to_async(doctor_after_a_flush)()
    thread = await sync_to_async(ThreadFactory)()
    earlier = live_consumers(consumer_class)
    socket, _ = await connected(_path_of(kind, thread), doctor, greetings=greetings)
    [consumer] = [c for c in live_consumers(consumer_class) if c not in earlier]
    reference = weakref.ref(consumer)
    del consumer, earlier
    with collector_off():
        await socket.disconnect()
        assert await freed(reference)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_failing_group_discard_does_not_stop_the_rest_of_the_cleanup(
    no_doctor_online, monkeypatch
):
    """A burst of closes can empty the Redis pool (MaxConnectionsError): the
    socket still stops counting and leaves the groups it can."""
    monkeypatch.setattr(fanout, "DISCARD_RETRY_SECONDS", 0.01)
    doctor = await sync_to_async(doctor_after_a_flush)()
    socket, _ = await connected("/ws/dashboard/", doctor, greetings=1)
    layer = get_channel_layer()
    discard = layer.group_discard
    refused = []

    async def refuse_presence_groups(group, channel):
        if group.startswith("presence-"):
            refused.append(group)
            raise redis.exceptions.MaxConnectionsError("Too many connections")
        await discard(group, channel)

    monkeypatch.setattr(layer, "group_discard", refuse_presence_groups)

    await socket.disconnect()

    # The process's one member of each presence group leaves it (fanout.py).
    assert len(refused) == 2 * fanout.DISCARD_ATTEMPTS
    assert await group_size(notification_group(doctor.pk)) == 0
    assert await sync_to_async(presence.online_count)(presence.DOCTOR) == 0


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_doctor_demoted_without_the_push_stops_counting_at_the_heartbeat(
    no_doctor_online, settings, monkeypatch
):
    """An idle page hears no push to check against: the heartbeat checks, and
    the socket closes (the page reconnects and counts in its new role)."""
    settings.PRESENCE_TTL_SECONDS = 0.6  # a heartbeat every 0.2 s
    monkeypatch.setattr("accounts.notifications._end_sessions", lambda user_id: None)
    doctor = await sync_to_async(doctor_after_a_flush)()
    notifications, _ = await connected("/ws/notifications/", doctor)
    assert await sync_to_async(presence.online_count)(presence.DOCTOR) == 1

    await sync_to_async(user_demote_from_doctor)(user=doctor)

    assert await closed_with(notifications) == CLOSE_SESSION_ENDED
    for _ in range(20):  # the socket leaves right after the close
        if await sync_to_async(presence.online_count)(presence.DOCTOR) == 0:
            break
        await asyncio.sleep(0.05)
    assert await sync_to_async(presence.online_count)(presence.DOCTOR) == 0
    await asyncio.sleep(0.5)  # and is not counted again by a heartbeat
    assert await sync_to_async(presence.online_count)(presence.DOCTOR) == 0


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_heartbeat_whose_check_fails_keeps_the_socket_counted(
    no_doctor_online, settings, monkeypatch
):
    """The check reads the database; with the database away the socket stays
    counted, and is checked again at the next beat."""
    settings.PRESENCE_TTL_SECONDS = 0.6  # a heartbeat every 0.2 s
    doctor = await sync_to_async(doctor_after_a_flush)()
    notifications, _ = await connected("/ws/notifications/", doctor)

    async def database_away(self):
        raise OperationalError("the database is away")

    monkeypatch.setattr(NotificationConsumer, "access_refusal", database_away)
    await asyncio.sleep(1)  # beyond the TTL: only renewals keep it counted

    assert await sync_to_async(presence.online_count)(presence.DOCTOR) == 1
    assert await nothing_but_presence(notifications)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_sockets_renewing_through_shared_trips_stay_counted(
    no_doctor_online, settings, monkeypatch
):
    """Sockets that opened together come due together at each heartbeat: their
    entries are renewed in one round trip (core.trips), not one hop each."""
    settings.PRESENCE_TTL_SECONDS = 0.6  # a heartbeat every 0.2 s
    doctors = [
        await sync_to_async(doctor_after_a_flush)(username=f"dr_{n}") for n in range(3)
    ]
    pages = await asyncio.gather(
        *(connected("/ws/notifications/", doctor) for doctor in doctors)
    )
    renewals = []
    store = presence_store.store()
    real_enter_and_count = store.enter_and_count

    def counted(entries, now):
        renewals.append(len(entries))
        return real_enter_and_count(entries, now)

    monkeypatch.setattr(store, "enter_and_count", counted)
    await asyncio.sleep(1)  # beyond the TTL: only renewals keep them counted

    assert await sync_to_async(presence.online_count)(presence.DOCTOR) == 3
    # Each of the three, about every 0.2 s, through the trips (whether two
    # share one depends on how close their connects came).
    assert sum(renewals) >= 3 * 3
    for page, _ in pages:
        await page.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", SOCKETS)
async def test_an_event_a_socket_has_no_handler_for_is_dropped_not_a_crash(
    kind, caplog
):
    """A newer process of a rolling deploy may send a new kind of event to a
    group that sockets of an older one are in."""
    consumer, greetings = SOCKETS[kind]
    doctor = await sync_to_async(doctor_after_a_flush)()
    thread = await sync_to_async(ThreadFactory)()
    path = _path_of(kind, thread)
    socket, _ = await connected(path, doctor, greetings=greetings)
    group = notification_group(doctor.pk)

    await get_channel_layer().group_send(group, {"type": "something.new"})
    await get_channel_layer().group_send(group, {"type": "session.end"})

    assert await closed_with(socket) == CLOSE_SESSION_ENDED  # handled, after it
    assert f"{consumer.__name__}: no handler for something.new" in caplog.text


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_customer_hears_the_doctors_count_and_not_the_customers(customer):
    """Every socket is in each role's count group from before its counts are
    read (core.consumers); a customer's page shows only how many doctors are
    online."""
    page, _ = await connected("/ws/notifications/", customer, greetings=2)
    layer = get_channel_layer()

    for role, count in ((presence.CUSTOMER, 41), (presence.DOCTOR, 3)):
        await layer.group_send(
            presence.presence_group(role),
            {"type": "presence.count", "role": role, "count": count},
        )

    assert await page.receive_json_from(timeout=2) == {
        "type": "presence",
        "counts": {"doctor": 3},
    }
    assert await page.receive_nothing(timeout=0.3)
    await page.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_counts_are_written_by_the_servers_frame_writer_where_offered(customer):
    """As a broadcast's messages (healingpaws/frame_writer.py, under daphne)."""
    written = []

    def frame_writer(text):
        written.append(json.loads(text))
        return True

    # Its greetings are written so too (the test of the chat's greeting).
    page, _ = await connected(
        "/ws/notifications/", customer, greetings=0, frame_writer=frame_writer
    )
    greetings = len(written)
    await get_channel_layer().group_send(
        presence.presence_group(presence.DOCTOR),
        {"type": "presence.count", "role": presence.DOCTOR, "count": 3},
    )

    async with asyncio.timeout(2):
        while len(written) == greetings:
            await asyncio.sleep(0.01)
    assert [frame["type"] for frame in written[:greetings]] == ["unread", "presence"]
    assert written[greetings:] == [{"type": "presence", "counts": {"doctor": 3}}]
    assert await page.receive_nothing(timeout=0.3)  # not sent a second time
    await page.disconnect()
