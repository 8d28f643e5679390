import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultation.models import Message, MessageKind, Thread, ThreadState
from consultation.services import THREAD_CLOSED_ERROR, message_post, thread_close

from .factories import MessageFactory, ThreadFactory, png_upload

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:consultation_thread_changelist")


def change_url(thread):
    return reverse("admin:consultation_thread_change", args=[thread.pk])


def page_messages(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def thread(customer):
    thread = ThreadFactory(customer=customer, subject="Limping")
    MessageFactory(thread=thread, text="<b>She limps</b>")
    return thread


def test_the_list_puts_urgent_then_unread_first(doctor_client, customer, doctor):
    read = ThreadFactory(customer=customer, subject="read")
    message_post(thread=read, sender=doctor, text="Done.")
    unread = ThreadFactory(customer=customer, subject="unread")
    MessageFactory(thread=unread)
    urgent = ThreadFactory(customer=customer, subject="urgent")
    MessageFactory(thread=urgent, urgent=True)
    # The read thread has the newest message and still comes last.
    message_post(thread=read, sender=doctor, text="Anything else?")

    response = doctor_client.get(CHANGELIST)

    assert [t.subject for t in response.context["cl"].result_list] == [
        "urgent",
        "unread",
        "read",
    ]
    assert "triage-emergency" in response.content.decode()


def test_the_list_costs_the_same_queries_for_any_number_of_threads(
    doctor_client, customer
):
    MessageFactory(thread=ThreadFactory(customer=customer))
    with CaptureQueriesContext(connection) as one:
        doctor_client.get(CHANGELIST)
    for _ in range(20):
        MessageFactory(thread=ThreadFactory(customer=customer), urgent=True)
    with CaptureQueriesContext(connection) as many:
        doctor_client.get(CHANGELIST)

    assert len(one) == len(many)


def test_the_thread_page_shows_the_conversation_as_text_and_marks_it_read(
    doctor_client, thread, doctor
):
    response = doctor_client.get(change_url(thread))

    page = response.content.decode()
    assert "&lt;b&gt;She limps&lt;/b&gt;" in page
    assert 'data-testid="reply-form"' in page
    assert Thread.objects.with_unread_count(doctor).get().unread_count == 0


def test_a_doctor_replies_through_the_service(doctor_client, thread, doctor):
    response = doctor_client.post(
        change_url(thread),
        {"_reply": "1", "text": "Rest her for two days."},
        follow=True,
    )

    reply = thread.messages.last()
    assert (reply.sender, reply.text) == (doctor, "Rest her for two days.")
    assert "Reply sent." in page_messages(response)


def test_an_empty_reply_is_refused_with_the_services_message(doctor_client, thread):
    response = doctor_client.post(
        change_url(thread), {"_reply": "1", "text": ""}, follow=True
    )

    assert thread.messages.count() == 1
    assert "Write a message or attach a photo." in page_messages(response)


def test_a_doctor_mutes_the_customer_for_a_day_with_a_reason(
    doctor_client, thread, customer
):
    doctor_client.post(
        change_url(thread), {"_mute": "1", "duration": "1d", "reason": "Spam."}
    )

    thread.refresh_from_db()
    assert thread.is_muted()
    assert thread.mute_reason == "Spam."
    assert (thread.muted_until - thread.updated_at).total_seconds() > 23 * 3600
    assert thread.messages.last().kind == MessageKind.SYSTEM


def test_muting_needs_a_reason(doctor_client, thread):
    doctor_client.post(change_url(thread), {"_mute": "1", "duration": "1h"})

    thread.refresh_from_db()
    assert not thread.is_muted()


def test_a_doctor_closes_the_thread_and_the_page_becomes_read_only(
    doctor_client, thread
):
    doctor_client.post(change_url(thread), {"_close": "1"})

    thread.refresh_from_db()
    assert thread.state == ThreadState.CLOSED
    page = doctor_client.get(change_url(thread)).content.decode()
    assert 'data-testid="reply-form"' not in page
    assert 'data-testid="close-form"' not in page


def test_replying_to_a_closed_thread_is_refused(doctor_client, thread, doctor):
    thread_close(thread=thread, by=doctor)

    response = doctor_client.post(
        change_url(thread), {"_reply": "1", "text": "Hello?"}, follow=True
    )

    assert str(THREAD_CLOSED_ERROR) in page_messages(response)
    assert not thread.messages.filter(text="Hello?").exists()


def test_nobody_can_add_or_delete_threads_or_messages(doctor_client, thread):
    assert (
        doctor_client.get(reverse("admin:consultation_thread_add")).status_code == 403
    )
    delete = reverse("admin:consultation_thread_delete", args=[thread.pk])
    assert doctor_client.post(delete, {"post": "yes"}).status_code == 403
    assert Message.objects.count() == 1


def test_a_customer_cannot_reach_the_consultation_admin(customer_client, thread):
    for url in (CHANGELIST, change_url(thread)):
        response = customer_client.get(url)
        assert response.status_code == 302
    customer_client.post(change_url(thread), {"_close": "1"})
    thread.refresh_from_db()
    assert thread.state == ThreadState.OPEN


@pytest.mark.parametrize("before", ["abc", "9" * 5000])
def test_a_bad_before_in_the_admin_shows_the_latest_messages(
    doctor_client, thread, before
):
    response = doctor_client.get(change_url(thread), {"before": before})

    assert response.status_code == 200
    assert "&lt;b&gt;She limps&lt;/b&gt;" in response.content.decode()


# --- a reply with a photo, sent by upload-progress.js -----------------------

XHR = {"X-Requested-With": "XMLHttpRequest"}


def test_the_reply_form_has_upload_progress_and_its_script(doctor_client, thread):
    page = doctor_client.get(change_url(thread)).content.decode()

    assert "data-message-form data-upload-progress" in page
    assert "<progress" in page
    assert "/static/js/upload-progress.js" in page


def test_a_photo_reply_from_the_upload_script_gets_json_and_a_message_after(
    doctor_client, thread, doctor
):
    response = doctor_client.post(
        change_url(thread),
        {"_reply": "1", "text": "", "photo": png_upload()},
        headers=XHR,
    )

    assert response.json() == {"redirect": change_url(thread)}
    assert thread.messages.get(sender=doctor).photo
    # The page the script opens next says it.
    assert "Reply sent." in page_messages(doctor_client.get(change_url(thread)))


def test_a_refused_photo_reply_gets_the_services_message_as_json(
    doctor_client, thread, doctor
):
    thread_close(thread=thread, by=doctor)

    response = doctor_client.post(
        change_url(thread),
        {"_reply": "1", "text": "", "photo": png_upload()},
        headers=XHR,
    )

    assert response.status_code == 400
    assert response.json() == {"errors": {"__all__": [str(THREAD_CLOSED_ERROR)]}}
    assert not thread.messages.exclude(photo="").exists()
