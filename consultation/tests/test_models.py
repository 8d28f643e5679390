import pytest
from django.db import IntegrityError
from django.utils import translation

from consultation.models import Message, MessageKind, Thread, ThreadState
from consultation.services import message_post, thread_mark_read

from .factories import MessageFactory, ThreadFactory

pytestmark = pytest.mark.django_db


def unread(user, thread):
    return Thread.objects.with_unread_count(user).get(pk=thread.pk)


def test_a_customer_sees_only_their_own_threads(customer, other_customer):
    own = ThreadFactory(customer=customer)
    ThreadFactory(customer=other_customer)

    assert list(Thread.objects.visible_to(customer)) == [own]


def test_a_doctor_sees_every_thread(customer, other_customer, doctor):
    ThreadFactory(customer=customer)
    ThreadFactory(customer=other_customer)

    assert Thread.objects.visible_to(doctor).count() == 2


def test_unread_counts_only_messages_by_others_after_the_read_mark(customer, doctor):
    thread = ThreadFactory(customer=customer)
    message_post(thread=thread, sender=customer, text="Hello")
    message_post(thread=thread, sender=doctor, text="Hi, how is she?")
    second = message_post(thread=thread, sender=doctor, text="Any fever?")

    assert unread(customer, thread).unread_count == 2
    # The doctor wrote the last ones; the customer's first is unread for them
    # until a doctor posts, which marks the thread read up to there.
    assert unread(doctor, thread).unread_count == 0

    thread_mark_read(thread=thread, user=customer, up_to=second.pk - 1)
    assert unread(customer, thread).unread_count == 1
    thread_mark_read(thread=thread, user=customer)
    assert unread(customer, thread).unread_count == 0


def test_a_thread_never_read_counts_every_message_by_others(customer, doctor):
    thread = ThreadFactory(customer=customer)
    MessageFactory.create_batch(3, thread=thread)

    counted = unread(doctor, thread)

    assert counted.unread_count == 3
    assert counted.unread_urgent_count == 0


def test_unread_urgent_messages_are_counted_apart(customer, doctor):
    thread = ThreadFactory(customer=customer)
    MessageFactory(thread=thread, urgent=True)
    MessageFactory(thread=thread)

    assert unread(doctor, thread).unread_urgent_count == 1
    thread_mark_read(thread=thread, user=doctor)
    assert unread(doctor, thread).unread_urgent_count == 0


def test_doctors_order_puts_urgent_then_unread_first(customer, doctor):
    quiet = ThreadFactory(customer=customer, subject="quiet")
    MessageFactory(thread=quiet)
    thread_mark_read(thread=quiet, user=doctor)
    waiting = ThreadFactory(customer=customer, subject="waiting")
    MessageFactory(thread=waiting)
    urgent = ThreadFactory(customer=customer, subject="urgent")
    MessageFactory(thread=urgent, urgent=True)
    # The quiet one has the latest message, and still comes last.
    MessageFactory(thread=quiet, sender=doctor)
    Thread.objects.filter(pk=quiet.pk).update(last_message_at=quiet.created_at)

    ordered = Thread.objects.with_unread_count(doctor).in_triage_order()

    assert [thread.subject for thread in ordered][:2] == ["urgent", "waiting"]


def test_a_message_needs_text_or_a_photo_in_the_database(customer):
    thread = ThreadFactory(customer=customer)

    with pytest.raises(IntegrityError):
        Message.objects.create(thread=thread, sender=customer, text="")


def test_a_closed_thread_needs_its_closing_time_in_the_database(customer):
    with pytest.raises(IntegrityError):
        ThreadFactory(customer=customer, state=ThreadState.CLOSED)


def test_a_system_notice_is_written_in_the_readers_language(customer):
    thread = ThreadFactory(customer=customer)
    notice = Message.objects.create(
        thread=thread, kind=MessageKind.SYSTEM, event="closed"
    )

    with translation.override("en"):
        assert "closed this consultation" in notice.display_text
