"""The owner's consultations in the API: the pages' forms and services."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.api import call
from accounts.tests.factories import DoctorFactory
from consultation.models import Message, MessageKind, SystemEvent, Thread
from consultation.services import (
    MESSAGE_EMPTY_ERROR,
    THREAD_CLOSED_ERROR,
    message_post,
    thread_close,
    thread_mute,
)
from consultation.tests.factories import MessageFactory, ThreadFactory
from core.tests.images import png
from pets.tests.factories import PetFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/consultations/"


@pytest.fixture
def thread(customer):
    return ThreadFactory(customer=customer, subject="Mochi is coughing")


def url(thread, action=""):
    return f"{LIST}{thread.pk}/{action + '/' if action else ''}"


def test_owner_opens_a_consultation_about_a_pet(client, token, customer):
    pet = PetFactory(owner=customer, name="Mochi")

    response = call(
        client,
        "post",
        LIST,
        token,
        {"subject": "Coughing", "pet": pet.pk, "text": "Since Monday", "urgent": True},
    )

    assert response.status_code == 201
    thread = Thread.objects.get(customer=customer)
    assert (thread.subject, thread.pet) == ("Coughing", pet)
    message = thread.messages.get()
    assert (message.text, message.urgent) == ("Since Monday", True)
    assert response.json()["pet_name"] == "Mochi"
    assert response.json()["can_write"] is True


def test_a_consultation_opens_with_a_photo_only(client, token, customer):
    response = client.post(
        LIST,
        {"subject": "This rash", "photo": png()},
        HTTP_X_SESSION_TOKEN=token,
    )

    assert response.status_code == 201, response.content
    assert Message.objects.get().photo


def test_bad_new_consultation_changes_nothing(client, token, other_customer):
    theirs = PetFactory(owner=other_customer)

    response = call(client, "post", LIST, token, {"subject": "", "pet": theirs.pk})

    assert response.status_code == 400
    assert set(response.json()["fields"]) >= {"subject", "pet"}
    assert not Thread.objects.exists()


def test_a_first_message_is_needed(client, token):
    response = call(client, "post", LIST, token, {"subject": "Hello"})

    assert response.status_code == 400
    assert response.json()["message"] == str(MESSAGE_EMPTY_ERROR)
    assert not Thread.objects.exists()


def test_list_shows_own_threads_with_unread_counts(
    client, token, thread, doctor, other_customer
):
    ThreadFactory(customer=other_customer)
    message_post(thread=thread, sender=doctor, text="Give her water.")

    body = call(client, "get", LIST, token).json()

    assert [(t["id"], t["unread_count"]) for t in body["results"]] == [(thread.pk, 1)]


def test_list_costs_the_same_queries_for_1_and_50_threads(client, token, customer):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert call(client, "get", LIST, token).status_code == 200
        return len(captured)

    MessageFactory(thread=ThreadFactory(customer=customer))
    one = queries()
    for _n in range(49):
        MessageFactory(thread=ThreadFactory(customer=customer))
    assert queries() == one


def test_messages_cost_the_same_queries_for_1_and_50(client, token, thread, doctor):
    """Mixed senders (the owner, doctors, the hospital's notices) and some
    photos; the latest page shows 30 of the 50, and a page back the rest."""
    second_doctor = DoctorFactory(username="dr_wu")
    senders = [thread.customer, doctor, None, second_doctor]

    def add(n):
        sender = senders[n % len(senders)]
        if sender is None:  # a notice the hospital posts by itself
            MessageFactory(
                thread=thread,
                sender=None,
                kind=MessageKind.SYSTEM,
                event=SystemEvent.NO_DOCTOR,
                text="",
            )
            return
        MessageFactory(
            thread=thread,
            sender=sender,
            text=f"Message {n}",
            photo="consultation/x.webp" if n % 3 == 0 else "",
        )

    def queries(query=""):
        with CaptureQueriesContext(connection) as captured:
            response = call(client, "get", url(thread, "messages") + query, token)
            assert response.status_code == 200
        return len(captured), len(response.json()["messages"])

    add(0)
    one = queries()
    for n in range(1, 50):
        add(n)
    latest = queries()
    oldest_shown = min(
        Message.objects.order_by("-pk")[:30].values_list("pk", flat=True)
    )
    back = queries(f"?before={oldest_shown}")

    assert (one[1], latest[1], back[1]) == (1, 30, 20)
    assert one[0] == latest[0] == back[0]


def test_messages_page_back_with_before(client, token, thread, doctor):
    for n in range(35):
        MessageFactory(thread=thread, text=f"Message {n}")
    MessageFactory(thread=thread, sender=doctor, text="From the doctor")

    latest = call(client, "get", url(thread, "messages"), token).json()

    assert len(latest["messages"]) == 30
    assert latest["has_more"] is True
    last = latest["messages"][-1]
    assert (last["text"], last["from_hospital"], last["is_mine"]) == (
        "From the doctor",
        True,
        False,
    )
    oldest = latest["messages"][0]["id"]
    older = call(client, "get", url(thread, "messages") + f"?before={oldest}", token)
    assert [m["text"] for m in older.json()["messages"]][:2] == [
        "Message 0",
        "Message 1",
    ]
    assert older.json()["has_more"] is False


@pytest.mark.parametrize("before", ["abc", "0", "-1", "١٢", "9" * 30])
def test_a_bad_before_is_a_field_error(client, token, thread, before):
    response = call(client, "get", url(thread, "messages") + f"?before={before}", token)

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "before": ["'before' must be the id of a message."]
    }


def test_owner_posts_a_message_with_a_photo_and_the_urgent_flag(client, token, thread):
    response = client.post(
        url(thread, "messages"),
        {"text": "Look", "photo": png(), "urgent": "true"},
        HTTP_X_SESSION_TOKEN=token,
    )

    assert response.status_code == 201, response.content
    message = thread.messages.get()
    assert (message.text, message.urgent, bool(message.photo)) == ("Look", True, True)
    assert response.json()["has_photo"] is True
    photo = client.get(
        url(thread, f"messages/{message.pk}/photo") + "?size=thumbnail",
        HTTP_X_SESSION_TOKEN=token,
    )
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/webp"


def test_a_file_that_is_no_image_is_refused(client, token, thread):
    fake = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    response = client.post(
        url(thread, "messages"), {"photo": fake}, HTTP_X_SESSION_TOKEN=token
    )

    assert response.status_code == 400
    assert "photo" in response.json()["fields"]
    assert not thread.messages.exists()


def test_a_closed_thread_takes_no_message(client, token, thread, doctor):
    thread_close(thread=thread, by=doctor)
    before = thread.messages.count()

    response = call(client, "post", url(thread, "messages"), token, {"text": "Hi"})

    assert response.status_code == 400
    assert response.json()["message"] == str(THREAD_CLOSED_ERROR)
    assert thread.messages.count() == before


def test_mark_read_lowers_the_unread_count(client, token, thread, doctor):
    first = message_post(thread=thread, sender=doctor, text="One")
    message_post(thread=thread, sender=doctor, text="Two")

    partly = call(client, "post", url(thread, "read"), token, {"up_to": first.pk})
    assert partly.json()["unread_count"] == 1
    fully = call(client, "post", url(thread, "read"), token, {})
    assert fully.json()["unread_count"] == 0


def test_mark_read_needs_a_message_id(client, token, thread):
    response = call(client, "post", url(thread, "read"), token, {"up_to": "x"})

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "up_to": ["'up_to' must be the id of a message."]
    }


def test_another_customers_thread_is_404_for_every_action(
    client, token, other_customer
):
    theirs = ThreadFactory(customer=other_customer)
    message = MessageFactory(thread=theirs, photo="consultation/x.webp")

    assert call(client, "get", url(theirs), token).status_code == 404
    assert call(client, "get", url(theirs, "messages"), token).status_code == 404
    posted = call(client, "post", url(theirs, "messages"), token, {"text": "Hi"})
    assert posted.status_code == 404
    assert call(client, "post", url(theirs, "read"), token, {}).status_code == 404
    photo = call(client, "get", url(theirs, f"messages/{message.pk}/photo"), token)
    assert photo.status_code == 404
    assert theirs.messages.count() == 1
    assert not theirs.read_marks.exists()


def test_a_muted_owner_is_told_until_when(client, token, thread, doctor):
    thread_mute(
        thread=thread,
        by=doctor,
        until=timezone.now() + datetime.timedelta(hours=1),
        reason="Please wait for the doctor.",
    )

    detail = call(client, "get", url(thread), token).json()

    assert detail["can_write"] is False
    assert detail["mute_reason"] == "Please wait for the doctor."
    refused = call(client, "post", url(thread, "messages"), token, {"text": "Hi"})
    assert refused.status_code == 400


@pytest.mark.parametrize("body", ["null", "[]", '"text"', "3"])
def test_a_body_that_is_no_object_is_a_clear_error(client, token, thread, body):
    for target in (LIST, url(thread, "messages")):
        response = client.post(
            target, body, content_type="application/json", HTTP_X_SESSION_TOKEN=token
        )

        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
    assert Thread.objects.count() == 1
    assert not thread.messages.exists()


def test_messages_after_one_catch_up_oldest_first(client, token, thread):
    first, second, third = (MessageFactory(thread=thread) for _n in range(3))

    body = call(
        client, "get", url(thread, "messages") + f"?after={first.pk}", token
    ).json()

    assert [message["id"] for message in body["messages"]] == [second.pk, third.pk]
    assert body["has_more"] is False


def test_before_and_after_together_are_refused(client, token, thread):
    message = MessageFactory(thread=thread)
    asked = f"?after={message.pk}&before={message.pk}"

    response = call(client, "get", url(thread, "messages") + asked, token)

    assert response.status_code == 400
    assert response.json()["message"] == (
        "Ask for messages before or after a message, not both."
    )
    bad = call(client, "get", url(thread, "messages") + "?after=x", token)
    assert bad.json()["fields"] == {"after": ["'after' must be the id of a message."]}
