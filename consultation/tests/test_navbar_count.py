"""The navbar's count of consultations with unread messages is cached per
user (issue 14) and follows every change: a reply, reading, a closed thread,
a role given."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.notifications import notifications_mark_read
from accounts.roles import DOCTORS_GROUP
from accounts.tests.factories import UserFactory
from consultation.models import Thread
from consultation.services import message_post, thread_close
from consultation.tests.factories import ThreadFactory

pytestmark = pytest.mark.django_db


def badge(client):
    page = client.get(reverse("pets:list")).content.decode()
    marker = 'data-testid="unread-consultations">'
    if marker not in page:
        return 0
    return int(page.split(marker, 1)[1].split("<", 1)[0])


def reply(thread, doctor, text="How is she?"):
    message_post(thread=thread, sender=doctor, text=text)


def test_the_count_follows_replies_reading_and_closing(
    customer_client, customer, doctor
):
    first, second = ThreadFactory.create_batch(2, customer=customer)
    reply(first, doctor)
    assert badge(customer_client) == 1

    # Cached: the next page does not count again.
    with CaptureQueriesContext(connection) as counted:
        assert badge(customer_client) == 1
    assert not [q for q in counted.captured_queries if "consultation_" in q["sql"]]

    reply(second, doctor)
    assert badge(customer_client) == 2

    customer_client.get(first.get_absolute_url())  # reading it
    assert badge(customer_client) == 1

    thread_close(thread=Thread.objects.get(pk=second.pk), by=doctor)
    assert badge(customer_client) == 0


def test_a_new_doctor_counts_every_thread(client, customer, doctor):
    colleague = UserFactory(username="dr_new", is_staff=True)
    client.force_login(colleague)
    reply(ThreadFactory(customer=customer), doctor)
    assert badge(client) == 0  # not a doctor: no thread is theirs

    colleague.groups.add(Group.objects.get(name=DOCTORS_GROUP))

    assert badge(client) == 1


def bell(client):
    page = client.get(reverse("pets:list")).content.decode()
    return int(page.split("data-unread-count", 1)[1].split(">", 1)[1].split("<")[0])


def test_the_bell_follows_notifications_sent_and_read(
    customer_client, customer, doctor
):
    thread = ThreadFactory(customer=customer)
    assert bell(customer_client) == 0

    reply(thread, doctor)  # the customer is notified of the reply
    assert bell(customer_client) == 1
    assert bell(customer_client) == 1  # from the cache

    notifications_mark_read(user=customer)
    assert bell(customer_client) == 0


def test_without_redis_the_count_is_read_on_every_page(
    customer_client, customer, doctor, settings
):
    """Each process's own memory is no shared cache: a reply written by the
    worker or a command would never reach the server's cached count."""
    del settings.GENERATIONS_CACHED
    settings.REDIS_URL = ""
    reply(ThreadFactory(customer=customer), doctor)
    assert badge(customer_client) == 1

    with CaptureQueriesContext(connection) as counted:
        assert badge(customer_client) == 1
    assert [q for q in counted.captured_queries if "consultation_" in q["sql"]]
