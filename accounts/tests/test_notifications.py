"""Notifications: made by visit changes, listed, read, pushed live."""

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import Notification
from accounts.notifications import notifications_mark_read
from accounts.services import user_deactivate
from accounts.tests.sockets import (
    closed_with,
    connected,
    doctor_after_a_flush,
    frame_of,
    nothing_but_presence,
    socket,
)
from consultation.services import message_post, thread_mark_read
from consultation.tests.factories import ThreadFactory
from core.sockets import CLOSE_NOT_SIGNED_IN, CLOSE_SESSION_ENDED
from pets.tests.factories import PetFactory
from reservations.models import State
from reservations.services import reservation_transition, reservation_triage
from reservations.tests.factories import book


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


NOTIFICATIONS = "/ws/notifications/"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_socket_refuses_anonymous_visitors():
    communicator = await socket(NOTIFICATIONS)
    await communicator.connect()
    # Accepted, then closed with a code the page reads as "stop retrying".
    closed = await communicator.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": CLOSE_NOT_SIGNED_IN}


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_change_is_pushed_to_the_owner_only(customer, other_customer):
    doctor = await sync_to_async(doctor_after_a_flush)()
    visit = await sync_to_async(
        lambda: book(PetFactory(owner=customer, name="Mochi"))
    )()
    mine, greetings = await connected(NOTIFICATIONS, customer)
    theirs, _greetings = await connected(NOTIFICATIONS, other_customer)
    assert greetings == [
        {"type": "unread", "unread": 0},
        {"type": "presence", "counts": {"doctor": 0}},
    ]

    await sync_to_async(reservation_transition)(
        reservation=visit, to_state=State.CONFIRMED, by=doctor
    )

    pushed = await frame_of(mine, "notification")
    assert pushed["text"] == "Mochi's visit: Confirmed"
    assert (pushed["unread"], pushed["reservation"]) == (1, visit.pk)
    assert await nothing_but_presence(theirs)
    await mine.disconnect()
    await theirs.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_logging_out_closes_the_users_sockets(customer):
    communicator, _greetings = await connected(NOTIFICATIONS, customer)

    await sync_to_async(_log_out_elsewhere)(customer)

    assert await closed_with(communicator) == CLOSE_SESSION_ENDED


def _log_out_elsewhere(user):
    browser = Client()
    browser.force_login(user)
    browser.post(reverse("account_logout"))


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_deactivating_a_user_closes_their_sockets(customer):
    communicator, _greetings = await connected(NOTIFICATIONS, customer)

    await sync_to_async(user_deactivate)(user=customer)

    assert await closed_with(communicator) == CLOSE_SESSION_ENDED


# --- reading the thing reads its notification -------------------------------------


def _reply(thread, doctor, text="Give her water."):
    return message_post(thread=thread, sender=doctor, text=text)


@pytest.mark.django_db
def test_opening_a_thread_reads_its_reply_notifications(
    customer_client, customer, doctor
):
    thread = ThreadFactory(customer=customer, subject="Mochi sneezes")
    other_thread = ThreadFactory(customer=customer, subject="Food")
    _reply(thread, doctor)
    _reply(thread, doctor, "And rest.")
    _reply(other_thread, doctor)
    assert customer_client.get(reverse("home")).context["unread_notifications"] == 3

    response = customer_client.get(thread.get_absolute_url())

    # The bell of the thread page itself already counts only the other thread.
    assert response.context["unread_notifications"] == 1
    unread = Notification.objects.for_user(customer).unread()
    assert [n.params["subject"] for n in unread] == ["Food"]


@pytest.mark.django_db
def test_the_list_shows_each_kind_with_the_icon_its_app_registered(
    customer_client, customer, doctor, visit
):
    reservation_transition(reservation=visit, to_state=State.CONFIRMED, by=doctor)
    _reply(ThreadFactory(customer=customer, subject="Food"), doctor)

    html = customer_client.get(reverse("notifications:list")).content.decode()

    assert html.count('class="bi bi-chat-dots text-primary"') == 1
    assert html.count('class="bi bi-clipboard2-pulse text-primary"') == 1


@pytest.mark.django_db
def test_a_reply_after_the_message_read_up_to_stays_unread(customer, doctor):
    thread = ThreadFactory(customer=customer)
    seen = _reply(thread, doctor, "Seen.")
    _reply(thread, doctor, "Not seen yet.")

    thread_mark_read(thread=thread, user=customer, up_to=seen.pk)

    unread = Notification.objects.for_user(customer).unread()
    assert unread.count() == 1
    assert unread.get().params["message"] > seen.pk


@pytest.mark.django_db
def test_a_doctor_reading_the_thread_leaves_the_customers_notifications(
    doctor_client, customer, doctor
):
    thread = ThreadFactory(customer=customer)
    _reply(thread, doctor)

    doctor_client.get(thread.get_absolute_url())

    assert Notification.objects.for_user(customer).unread().count() == 1


@pytest.mark.django_db
def test_opening_a_visit_page_reads_that_visits_notifications(
    customer_client, customer, visit, doctor
):
    other_visit = book(PetFactory(owner=customer, name="Rex"))
    reservation_triage(reservation=visit, triage="standard", by=doctor)
    reservation_transition(reservation=visit, to_state=State.CONFIRMED, by=doctor)
    reservation_transition(reservation=other_visit, to_state=State.CONFIRMED, by=doctor)

    response = customer_client.get(visit.get_absolute_url())

    assert response.context["unread_notifications"] == 1
    assert Notification.objects.for_user(customer).unread().get().text == (
        "Rex's visit: Confirmed"
    )


@pytest.mark.django_db
def test_a_page_read_with_nothing_unread_marks_nothing(
    customer_client, customer, visit, doctor
):
    customer_client.get(visit.get_absolute_url())  # the count kept: none unread

    with CaptureQueriesContext(connection) as queries:
        customer_client.get(visit.get_absolute_url())
    reservation_transition(reservation=visit, to_state=State.CONFIRMED, by=doctor)
    customer_client.get(visit.get_absolute_url())

    # No UPDATE of the notifications while none is unread (issue 14); the
    # next one, sent meanwhile, is read all the same.
    assert not [q for q in queries if "accounts_notification" in q["sql"]]
    assert not Notification.objects.for_user(customer).unread().exists()
    assert Notification.objects.for_user(customer).count() == 1


def _notifications(user, count):
    return Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind="visit_state",
            url="/reservations/1/",
            params={"pet": f"Pet {n}", "to": "confirmed"},
        )
        for n in range(count)
    )


@pytest.mark.django_db
def test_the_list_reads_what_it_shows_and_offers_to_read_the_rest(
    customer_client, customer
):
    _notifications(customer, 45)

    response = customer_client.get(reverse("notifications:list"))

    assert Notification.objects.for_user(customer).unread().count() == 15
    html = response.content.decode()
    assert 'data-testid="mark-all-read"' in html
    assert f'action="{reverse("notifications:read-all")}"' in html


@pytest.mark.django_db
def test_mark_all_as_read_reads_every_notification_and_no_one_elses(
    customer_client, customer, other_customer
):
    _notifications(customer, 45)
    _notifications(other_customer, 3)

    response = customer_client.post(reverse("notifications:read-all"), follow=True)

    assert not Notification.objects.for_user(customer).unread().exists()
    assert Notification.objects.for_user(other_customer).unread().count() == 3
    html = response.content.decode()
    assert "All notifications are marked as read." in html
    # Nothing left to read: no button.
    assert 'data-testid="mark-all-read"' not in html


@pytest.mark.django_db
def test_mark_all_as_read_needs_a_post_with_its_csrf_token(customer):
    _notifications(customer, 2)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(customer)

    assert browser.get(reverse("notifications:read-all")).status_code == 405
    assert browser.post(reverse("notifications:read-all")).status_code == 403
    assert Notification.objects.for_user(customer).unread().count() == 2


@pytest.mark.django_db
def test_mark_all_as_read_refuses_anonymous_visitors(client, customer):
    _notifications(customer, 2)

    response = client.post(reverse("notifications:read-all"))

    assert response["Location"].startswith(reverse("account_login"))
    assert Notification.objects.for_user(customer).unread().count() == 2


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_reading_the_thread_over_the_chat_socket_lowers_the_bell(customer):
    doctor = await sync_to_async(doctor_after_a_flush)()
    thread = await sync_to_async(ThreadFactory)(customer=customer)
    bell, _greetings = await connected(NOTIFICATIONS, customer)
    chat, _greetings = await connected(
        f"/ws/consultation/{thread.pk}/", customer, greetings=1
    )
    reply = await sync_to_async(_reply)(thread, doctor)
    assert (await frame_of(bell, "notification"))["unread"] == 1

    await chat.send_json_to({"type": "read", "up_to": reply.pk})

    assert await frame_of(bell, "unread") == {"type": "unread", "unread": 0}
    await chat.disconnect()
    await bell.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_mark_all_as_read_lowers_the_bell_of_every_open_page(customer):
    await sync_to_async(_notifications)(customer, 3)
    bell, greetings = await connected(NOTIFICATIONS, customer)
    assert greetings[0] == {"type": "unread", "unread": 3}

    await sync_to_async(notifications_mark_read)(user=customer)

    assert await frame_of(bell, "unread") == {"type": "unread", "unread": 0}
    await bell.disconnect()
