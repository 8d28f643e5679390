"""The thread page keeps each message it renders
(consultation_tags.thread_message): a message must still change whenever
what it shows changes, in the viewer's language."""

import pytest

from consultation.services import message_post

from .factories import ThreadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(customer):
    return ThreadFactory(customer=customer, subject="Mochi sneezes")


def messages_of(client, thread):
    page = client.get(thread.get_absolute_url()).content.decode()
    return page.split("data-messages", 1)[1].split("</ol>", 1)[0]


def test_a_message_shows_its_senders_new_name_and_initials(
    customer_client, thread, doctor
):
    message_post(thread=thread, sender=doctor, text="How is Mochi today?")
    doctor.display_name = "Dr Zhang Wei"
    doctor.save()
    assert "Dr Zhang Wei" in messages_of(customer_client, thread)

    doctor.display_name = "Dr Li Na"
    doctor.save()
    shown = messages_of(customer_client, thread)

    assert "Dr Li Na" in shown
    assert "DN" in shown  # the avatar's initials
    assert "Dr Zhang Wei" not in shown


def test_a_message_is_in_the_language_of_each_viewer(client, customer, thread, doctor):
    message_post(thread=thread, sender=customer, text="Hello")
    client.force_login(doctor)
    client.get(thread.get_absolute_url())  # the doctor reads it
    client.force_login(customer)
    assert "Seen by a doctor" in messages_of(client, thread)

    customer.preferred_language = "zh-hans"
    customer.save()
    assert "医生已读" in messages_of(client, thread)

    customer.preferred_language = "en"
    customer.save()
    assert "Seen by a doctor" in messages_of(client, thread)
