"""Done when (issue 17): an owner's whole journey through the API only, with
the app's session token on the WebSockets too: sign up, verify the address
from the e-mail, log in, add a pet with a photo, book, hear the visit's state
change live while a doctor moves it along, chat, confirm the pickup."""

import datetime
import json
import re

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.tests.api import call
from accounts.tests.sockets import doctor_after_a_flush, frame_of
from consultation import services as chat
from consultation.models import Thread
from core.background import run_ready_tasks
from core.tests.images import png
from healingpaws.asgi import application
from reservations import services as visits
from reservations.models import Reservation, State

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

APP = "/_allauth/app/v1"


def _post(client, url, data, token=None):
    headers = {"HTTP_X_SESSION_TOKEN": token} if token else {}
    return client.post(
        url, json.dumps(data), content_type="application/json", **headers
    )


def sign_up_and_log_in(client) -> str:
    signup = _post(
        client,
        f"{APP}/auth/signup",
        {
            "username": "journey",
            "email": "journey@example.com",
            "password": "a-long-pass-123",
            "accept_rules": True,
        },
    )
    assert signup.status_code == 401  # the address is to be verified
    pending = signup.json()["meta"]["session_token"]
    run_ready_tasks()
    key = re.search(r"/accounts/confirm-email/([^/\s]+)/", mail.outbox[-1].body)[1]
    verified = _post(client, f"{APP}/auth/email/verify", {"key": key}, pending)
    assert verified.status_code == 200
    # A fresh login, as the app does on another day.
    _post(client, f"{APP}/auth/session", {}, verified.json()["meta"]["session_token"])
    login = _post(
        client,
        f"{APP}/auth/login",
        {"username": "journey", "password": "a-long-pass-123"},
    )
    assert login.status_code == 200
    return login.json()["meta"]["session_token"]


def add_pet_and_book(client, token) -> int:
    pet = call(
        client, "post", "/api/v1/pets/", token, {"name": "Mochi", "species": "cat"}
    )
    assert pet.status_code == 201
    pet_id = pet.json()["id"]
    photo = client.post(
        f"/api/v1/pets/{pet_id}/photo/", {"photo": png()}, HTTP_X_SESSION_TOKEN=token
    )
    assert photo.json()["has_photo"] is True
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    free = call(client, "get", f"/api/v1/slots/?date={tomorrow}", token).json()
    booked = call(
        client,
        "post",
        "/api/v1/visits/",
        token,
        {
            "pet": pet_id,
            "starts_at": free["slots"][0]["starts_at"],
            "symptoms": "Sneezing since Sunday.",
            "breathing_trouble": False,
        },
    )
    assert booked.status_code == 201, booked.content
    assert booked.json()["queue"]["place"] == 1
    return booked.json()["id"]


def token_socket(path, token):
    # The native app: the token in a header, no Origin.
    headers = [(b"host", b"127.0.0.1"), (b"x-session-token", token.encode())]
    return WebsocketCommunicator(application, path, headers)


async def news(bell):
    """The next notification, past the bell's counts (reading lowers them)."""
    while True:
        frame = await bell.receive_json_from(timeout=2)
        if frame["type"] == "notification":
            return frame
        assert frame["type"] in {"unread", "presence"}, frame


def advance(visit_id, doctor):
    visit = Reservation.objects.get(pk=visit_id)
    return visits.reservation_advance(reservation=visit, by=doctor)


async def test_an_owner_goes_from_sign_up_to_pickup_through_the_api():
    client = Client()
    doctor = await sync_to_async(doctor_after_a_flush)(username="dr_wu")
    token = await sync_to_async(sign_up_and_log_in)(client)
    visit_id = await sync_to_async(add_pet_and_book)(client, token)

    # The app listens for news with the same token.
    bell = token_socket("/ws/notifications/", token)
    assert (await bell.connect())[0]
    assert (await frame_of(bell, "unread"))["unread"] == 0
    await sync_to_async(advance)(visit_id, doctor)
    pushed = await news(bell)
    assert pushed["text"] == "Mochi's visit: Confirmed"
    assert pushed["reservation"] == visit_id
    detail = await sync_to_async(call)(
        client, "get", f"/api/v1/visits/{visit_id}/", token
    )
    assert detail.json()["state"] == "confirmed"

    # A question to the doctors, answered live on the chat socket.
    opened = await sync_to_async(call)(
        client,
        "post",
        "/api/v1/consultations/",
        token,
        {"subject": "Before the visit", "text": "May Mochi eat today?"},
    )
    assert opened.status_code == 201
    thread_id = opened.json()["id"]
    room = token_socket(f"/ws/consultation/{thread_id}/", token)
    assert (await room.connect())[0]
    thread = await sync_to_async(Thread.objects.get)(pk=thread_id)
    await sync_to_async(chat.message_post)(
        thread=thread, sender=doctor, text="Nothing after midnight."
    )
    heard = await frame_of(room, "message")
    assert heard["message"]["text"] == "Nothing after midnight."
    assert (await news(bell))["url"] == thread.get_absolute_url()  # the bell too
    page = await sync_to_async(call)(
        client, "get", f"/api/v1/consultations/{thread_id}/messages/", token
    )
    # (Between them, the hospital's notice that no doctor was online.)
    said = [m["text"] for m in page.json()["messages"] if m["kind"] == "user"]
    assert said == [
        "May Mochi eat today?",
        "Nothing after midnight.",
    ]
    read = await sync_to_async(call)(
        client, "post", f"/api/v1/consultations/{thread_id}/read/", token, {}
    )
    assert read.json()["unread_count"] == 0
    await room.disconnect()

    # Checked in, treated, ready: the owner collects Mochi.
    for state in ("checked_in", "in_treatment", "ready_for_release"):
        moved = await sync_to_async(advance)(visit_id, doctor)
        assert moved.state == state
        assert (await news(bell))["reservation"] == visit_id
    picked = await sync_to_async(call)(
        client, "post", f"/api/v1/visits/{visit_id}/pickup/", token, {}
    )
    assert picked.status_code == 200
    assert picked.json()["state"] == "finished"
    visit = await sync_to_async(Reservation.objects.get)(pk=visit_id)
    assert visit.state == State.FINISHED
    await bell.disconnect()
