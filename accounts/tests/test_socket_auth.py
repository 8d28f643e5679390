"""The app's sockets signed in with its session token (accounts/socket_auth.py):
header or subprotocol, no Origin needed, the site's close codes."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts.socket_auth import TOKEN_SUBPROTOCOL
from accounts.tests.api import app_login
from accounts.tests.sockets import (
    ORIGIN,
    closed_with,
    doctor_after_a_flush,
    frame_of,
    session_cookie,
)
from consultation.consumers import MESSAGES_PER_SECOND
from consultation.models import Message
from consultation.services import message_post
from consultation.tests.factories import ThreadFactory
from core.sockets import CLOSE_NOT_MEMBER, CLOSE_NOT_SIGNED_IN, CLOSE_SESSION_ENDED
from healingpaws.asgi import application

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

NOTIFICATIONS = "/ws/notifications/"


def token_socket(path, token, *, origin=None, subprotocol=False, cookie=None):
    """A socket as the native app opens it: the token in a header, no Origin;
    or as a browser client: the token as a subprotocol, with its Origin."""
    headers = [(b"host", b"127.0.0.1")]
    if origin is not None:
        headers.append(origin)
    if cookie is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    protocols = None
    if subprotocol:
        protocols = [TOKEN_SUBPROTOCOL, token]
    elif token is not None:
        headers.append((b"x-session-token", token.encode()))
    return WebsocketCommunicator(application, path, headers, subprotocols=protocols)


async def login(user):
    return await sync_to_async(app_login)(Client(), user)


async def test_a_token_socket_without_origin_hears_its_notifications(customer):
    doctor = await sync_to_async(doctor_after_a_flush)()
    thread = await sync_to_async(ThreadFactory)(customer=customer, subject="Bao")
    communicator = token_socket(NOTIFICATIONS, await login(customer))

    accepted, _protocol = await communicator.connect()

    assert accepted
    assert await frame_of(communicator, "unread") == {"type": "unread", "unread": 0}
    await sync_to_async(message_post)(thread=thread, sender=doctor, text="Water")
    pushed = await frame_of(communicator, "notification")
    assert pushed["url"] == thread.get_absolute_url()
    await communicator.disconnect()


async def test_a_browser_client_sends_the_token_as_a_subprotocol(customer):
    communicator = token_socket(
        NOTIFICATIONS, await login(customer), origin=ORIGIN, subprotocol=True
    )

    accepted, protocol = await communicator.connect()

    assert accepted
    # The answer names the protocol, never echoes the token.
    assert protocol == TOKEN_SUBPROTOCOL
    assert (await frame_of(communicator, "unread"))["unread"] == 0
    await communicator.disconnect()


@pytest.mark.parametrize("token", ["not-a-token", "x" * 5000, ""])
async def test_a_wrong_token_is_closed_as_not_signed_in(customer, token):
    communicator = token_socket(NOTIFICATIONS, token)

    await communicator.connect()

    assert await closed_with(communicator) == CLOSE_NOT_SIGNED_IN


async def test_an_expired_token_is_closed_as_not_signed_in(customer):
    token = await login(customer)
    await sync_to_async(
        lambda: Session.objects.filter(session_key=token).update(
            expire_date=timezone.now() - timezone.timedelta(seconds=1)
        )
    )()
    communicator = token_socket(NOTIFICATIONS, token)

    await communicator.connect()

    assert await closed_with(communicator) == CLOSE_NOT_SIGNED_IN


async def test_the_token_decides_not_a_cookie_sent_beside_it(customer, other_customer):
    cookie = await sync_to_async(session_cookie)(other_customer)
    communicator = token_socket(NOTIFICATIONS, "wrong", origin=ORIGIN, cookie=cookie)

    await communicator.connect()

    assert await closed_with(communicator) == CLOSE_NOT_SIGNED_IN


async def test_a_token_in_the_query_string_is_not_read(customer):
    token = await login(customer)
    communicator = token_socket(f"{NOTIFICATIONS}?token={token}", None, origin=ORIGIN)

    await communicator.connect()

    assert await closed_with(communicator) == CLOSE_NOT_SIGNED_IN


async def test_a_foreign_origin_is_refused_even_with_a_token(customer):
    communicator = token_socket(
        NOTIFICATIONS,
        await login(customer),
        origin=(b"origin", b"https://evil.example"),
    )

    accepted, _code = await communicator.connect()

    assert not accepted


async def test_without_origin_a_cookie_socket_is_still_refused(customer):
    cookie = await sync_to_async(session_cookie)(customer)
    communicator = token_socket(NOTIFICATIONS, None, cookie=cookie)

    accepted, _code = await communicator.connect()

    assert not accepted


async def test_a_staff_session_is_no_socket_token(customer):
    doctor = await sync_to_async(doctor_after_a_flush)()
    key = await sync_to_async(session_cookie)(doctor)  # a site session's key
    communicator = token_socket(NOTIFICATIONS, key)

    await communicator.connect()

    assert await closed_with(communicator) == CLOSE_NOT_SIGNED_IN


async def test_another_customers_thread_is_refused(customer, other_customer):
    theirs = await sync_to_async(ThreadFactory)(customer=other_customer)
    communicator = token_socket(f"/ws/consultation/{theirs.pk}/", await login(customer))

    await communicator.connect()

    assert await closed_with(communicator) == CLOSE_NOT_MEMBER


async def test_the_owner_chats_over_a_token_socket(customer):
    thread = await sync_to_async(ThreadFactory)(customer=customer)
    communicator = token_socket(f"/ws/consultation/{thread.pk}/", await login(customer))

    accepted, _protocol = await communicator.connect()

    assert accepted
    await communicator.send_json_to(
        {"type": "message", "text": "Still coughing", "client_id": "c1"}
    )
    message = await frame_of(communicator, "message")
    assert message["message"]["text"] == "Still coughing"
    await communicator.disconnect()


async def test_a_token_socket_over_the_message_rate_hears_rate_limited(
    customer, monkeypatch
):
    # All in one second, as a fast app's burst would be.
    monkeypatch.setattr("consultation.consumers._current_second", lambda: 1_000)
    thread = await sync_to_async(ThreadFactory)(customer=customer)
    communicator = token_socket(f"/ws/consultation/{thread.pk}/", await login(customer))
    accepted, _protocol = await communicator.connect()
    assert accepted

    for n in range(MESSAGES_PER_SECOND + 2):
        await communicator.send_json_to(
            {"type": "message", "text": f"Message {n}", "client_id": f"c{n}"}
        )
    answers = []
    while len(answers) < MESSAGES_PER_SECOND + 2:
        frame = await communicator.receive_json_from(timeout=3)
        if frame["type"] in ("ack", "error"):
            answers.append(frame)

    refused = [frame for frame in answers if frame["type"] == "error"]
    assert {frame["code"] for frame in refused} == {"rate_limited"}
    assert {frame["client_id"] for frame in refused} <= {
        f"c{n}" for n in range(MESSAGES_PER_SECOND, MESSAGES_PER_SECOND + 2)
    }
    # (The hospital may answer a first message with a notice of its own.)
    mine = Message.objects.filter(thread=thread, sender=customer)
    assert await sync_to_async(mine.count)() == MESSAGES_PER_SECOND
    await communicator.disconnect()


async def test_signing_the_token_out_closes_its_socket(customer):
    token = await login(customer)
    communicator = token_socket(NOTIFICATIONS, token)
    accepted, _protocol = await communicator.connect()
    assert accepted

    signed_out = await sync_to_async(Client().delete)(
        "/_allauth/app/v1/auth/session", HTTP_X_SESSION_TOKEN=token
    )

    assert signed_out.status_code == 401  # allauth's answer: nobody signed in now
    assert await closed_with(communicator) == CLOSE_SESSION_ENDED
    # And the token opens no socket any more.
    again = token_socket(NOTIFICATIONS, token)
    await again.connect()
    assert await closed_with(again) == CLOSE_NOT_SIGNED_IN
