"""A thread page's latest messages are a part kept rendered
(core/page_parts.py), and marked read once for each change of the thread:
loaded again, the page reads no messages, and the part is drawn afresh when
a message is written, the other side reads, or a writer is renamed."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultation import services
from consultation.personal_data import erase
from consultation.tests.factories import MessageFactory, ThreadFactory
from core.page_parts import csrf_placeholder

pytestmark = pytest.mark.django_db

SEEN = 'data-testid="seen"'


@pytest.fixture
def thread(customer):
    return ThreadFactory(customer=customer)


def page(client, thread):
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def messages_of(text):
    """The page's list of messages (the page also holds a template of the
    "seen" mark for the chat's script)."""
    return re.search(r"<ol [^>]*data-messages.*?</ol>", text, re.S)[0]


def doctor_client_of(doctor):
    client = Client()
    client.force_login(doctor)
    return client


def test_loaded_again_the_page_reads_no_messages(customer_client, thread):
    MessageFactory.create_batch(5, thread=thread)
    first = page(customer_client, thread)
    page(customer_client, thread)  # the first marked read: the thread changed

    with CaptureQueriesContext(connection) as asked:
        again = page(customer_client, thread)

    assert again.count("data-message-id") == first.count("data-message-id") == 5
    asked = [q["sql"] for q in asked.captured_queries]
    assert not [sql for sql in asked if "consultation_message" in sql]
    assert not [sql for sql in asked if "consultation_readmark" in sql]


def test_a_doctors_reply_shows_and_is_marked_read(
    customer_client, customer, thread, doctor
):
    MessageFactory(thread=thread, text="My dog limps.")
    page(customer_client, thread)

    reply = services.message_post(thread=thread, sender=doctor, text="Rest him.")

    assert "Rest him." in page(customer_client, thread)
    mark = thread.read_marks.get(user=customer)
    assert mark.last_read_message_id == reply.pk


def test_the_seen_mark_shows_once_a_doctor_reads(customer_client, thread, doctor):
    services.message_post(thread=thread, sender=thread.customer, text="Hello?")
    assert SEEN not in messages_of(page(customer_client, thread))

    page(doctor_client_of(doctor), thread)

    assert SEEN in messages_of(page(customer_client, thread))


def test_a_renamed_writer_shows(customer_client, thread, doctor):
    services.message_post(thread=thread, sender=doctor, text="Rest him.")
    page(customer_client, thread)

    doctor.display_name = "Dr. Renamed"
    doctor.save()

    assert "Dr. Renamed" in page(customer_client, thread)


def test_each_viewer_gets_their_own_part(customer_client, thread, doctor):
    services.message_post(thread=thread, sender=thread.customer, text="Hello?")
    doctors_page = page(doctor_client_of(doctor), thread)
    customers_page = page(customer_client, thread)

    # The customer's message as each side sees it: read by a doctor for the
    # customer, with nothing to say of it for the doctor.
    assert "Seen by a doctor" in messages_of(customers_page)
    assert SEEN not in messages_of(doctors_page)
    assert SEEN not in messages_of(page(doctor_client_of(doctor), thread))


def test_an_erased_customers_messages_leave_the_kept_page(thread, doctor):
    services.message_post(thread=thread, sender=thread.customer, text="My address.")
    doctor_client = doctor_client_of(doctor)
    assert "My address." in messages_of(page(doctor_client, thread))

    erase(thread.customer)  # their messages' text, by one update()

    kept = messages_of(page(doctor_client, thread))
    assert "My address." not in kept
    assert "removed: the customer closed their account" in kept


def composer_of(text):
    """The page's composer, its CSRF token (masked anew for each page) left out."""
    composer = re.search(r"<div data-composer>.*?</div>\s*(?=</div>)", text, re.S)[0]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", composer)


def test_the_kept_composer_follows_a_mute(customer_client, thread, doctor, settings):
    kept = composer_of(page(customer_client, thread))
    assert 'data-testid="message-form"' in kept
    assert composer_of(page(customer_client, thread)) == kept

    services.thread_mute(
        thread=thread,
        by=doctor,
        until=timezone.now() + datetime.timedelta(hours=1),
        reason="Calm down",
    )
    muted = page(customer_client, thread)
    assert 'data-testid="muted-notice"' in muted
    assert 'data-testid="message-form"' not in muted


def test_the_kept_composer_follows_a_close(customer_client, thread, doctor):
    page(customer_client, thread)
    assert 'data-testid="message-form"' in page(customer_client, thread)  # kept

    services.thread_close(thread=thread, by=doctor)

    closed = page(customer_client, thread)
    assert 'data-testid="closed-notice"' in closed
    assert 'data-testid="message-form"' not in closed


def test_a_kept_composer_carries_each_pages_own_csrf_token(customer_client, thread):
    first = page(customer_client, thread)
    customer_client.cookies.clear()  # a new browser: a new token
    customer_client.force_login(thread.customer)
    second = page(customer_client, thread)

    def token(text):
        return re.search(
            r'<form[^>]*data-message-form.*?name="csrfmiddlewaretoken" value="([^"]+)"',
            text,
            re.S,
        )[1]

    assert token(first) != token(second)
    assert csrf_placeholder() not in second
