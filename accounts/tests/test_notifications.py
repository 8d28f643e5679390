"""Notifications: made by visit changes, listed, read, pushed live."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.consumers import CLOSE_NOT_SIGNED_IN, CLOSE_SESSION_ENDED
from accounts.models import Notification
from accounts.roles import DOCTORS_GROUP
from accounts.services import user_deactivate
from accounts.tests.factories import DoctorFactory
from healingpaws.asgi import application
from pets.tests.factories import PetFactory
from reservations.models import State
from reservations.services import reservation_transition, reservation_triage
from reservations.tests.factories import book, ensure_default_hours

ORIGIN = (b"origin", b"http://127.0.0.1")


@pytest.fixture
def visit(customer):
    return book(PetFactory(owner=customer, name="Mochi"))


# --- made by visit changes -------------------------------------------------------


@pytest.mark.django_db
def test_a_doctors_change_notifies_the_owner(visit, doctor, customer):
    reservation_triage(reservation=visit, triage="emergency", by=doctor)
    reservation_transition(reservation=visit, to_state=State.CONFIRMED, by=doctor)

    texts = [n.text for n in Notification.objects.for_user(customer)]
    assert texts == [
        "Mochi's visit: Confirmed",
        "Mochi's visit has been triaged: Emergency",
    ]
    assert all(n.url == visit.get_absolute_url() for n in customer.notifications.all())


@pytest.mark.django_db
def test_the_owners_own_cancel_is_not_notified_back(visit, customer):
    reservation_transition(
        reservation=visit, to_state=State.CANCELLED, by=customer, note="Better."
    )
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_the_text_follows_the_readers_language(visit, doctor, customer):
    reservation_transition(reservation=visit, to_state=State.CONFIRMED, by=doctor)
    notification = Notification.objects.get()

    with translation.override("zh-hans"):
        text = notification.text

    assert text == "Mochi 的就诊：已确认"


# --- the list ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_shows_the_users_notifications_and_reads_them(
    customer_client, visit, doctor, customer, other_customer
):
    reservation_transition(reservation=visit, to_state=State.CONFIRMED, by=doctor)
    strangers = book(PetFactory(owner=other_customer, name="Rex"))
    reservation_transition(reservation=strangers, to_state=State.CONFIRMED, by=doctor)
    assert customer_client.get(reverse("home")).context["unread_notifications"] == 1

    response = customer_client.get(reverse("notifications:list"))

    html = response.content.decode()
    assert "Mochi&#x27;s visit: Confirmed" in html
    assert "Rex" not in html
    assert not Notification.objects.for_user(customer).unread().exists()
    assert Notification.objects.for_user(other_customer).unread().count() == 1


@pytest.mark.django_db
def test_opening_a_notification_reads_it_and_follows_its_link(
    customer_client, visit, doctor
):
    reservation_transition(reservation=visit, to_state=State.CONFIRMED, by=doctor)
    notification = Notification.objects.get()

    response = customer_client.get(
        reverse("notifications:open", args=[notification.pk])
    )

    assert response["Location"] == visit.get_absolute_url()
    notification.refresh_from_db()
    assert notification.is_read


@pytest.mark.django_db
def test_another_users_notification_is_404(client, other_customer, visit, doctor):
    reservation_transition(reservation=visit, to_state=State.CONFIRMED, by=doctor)
    notification = Notification.objects.get()
    client.force_login(other_customer)

    response = client.get(reverse("notifications:open", args=[notification.pk]))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert not notification.is_read


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("notifications:list"))
    assert response["Location"].startswith(reverse("account_login"))


# --- the socket -------------------------------------------------------------------


def _doctor_after_a_flush():
    # Transactional tests empty the tables that migrations filled.
    ensure_default_hours()
    Group.objects.get_or_create(name=DOCTORS_GROUP)
    return DoctorFactory()


def _session_cookie(user):
    browser = Client()
    browser.force_login(user)
    return browser.cookies[settings.SESSION_COOKIE_NAME].value


async def _socket(user=None):
    headers = [ORIGIN, (b"host", b"127.0.0.1")]
    if user is not None:
        cookie = await sync_to_async(_session_cookie)(user)
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, "/ws/notifications/", headers=headers)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_socket_refuses_anonymous_visitors():
    communicator = await _socket()
    await communicator.connect()
    # Accepted, then closed with a code the page reads as "stop retrying".
    closed = await communicator.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": CLOSE_NOT_SIGNED_IN}


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_change_is_pushed_to_the_owner_only(customer, other_customer):
    doctor = await sync_to_async(_doctor_after_a_flush)()
    visit = await sync_to_async(
        lambda: book(PetFactory(owner=customer, name="Mochi"))
    )()
    mine, theirs = await _socket(customer), await _socket(other_customer)
    assert (await mine.connect())[0] and (await theirs.connect())[0]
    assert await mine.receive_json_from() == {"type": "unread", "unread": 0}
    await theirs.receive_json_from()

    await sync_to_async(reservation_transition)(
        reservation=visit, to_state=State.CONFIRMED, by=doctor
    )

    pushed = await mine.receive_json_from(timeout=2)
    assert pushed["type"] == "notification"
    assert pushed["text"] == "Mochi's visit: Confirmed"
    assert (pushed["unread"], pushed["reservation"]) == (1, visit.pk)
    assert await theirs.receive_nothing()
    await mine.disconnect()
    await theirs.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_logging_out_closes_the_users_sockets(customer):
    communicator = await _socket(customer)
    assert (await communicator.connect())[0]
    await communicator.receive_json_from()

    await sync_to_async(_log_out_elsewhere)(customer)

    closed = await communicator.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": CLOSE_SESSION_ENDED}


def _log_out_elsewhere(user):
    browser = Client()
    browser.force_login(user)
    browser.post(reverse("account_logout"))


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_deactivating_a_user_closes_their_sockets(customer):
    communicator = await _socket(customer)
    assert (await communicator.connect())[0]
    await communicator.receive_json_from()

    await sync_to_async(user_deactivate)(user=customer)

    closed = await communicator.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": CLOSE_SESSION_ENDED}
