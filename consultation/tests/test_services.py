import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Notification
from consultation.models import (
    MESSAGE_MAX_LENGTH,
    Message,
    MessageKind,
    ReadMark,
    SystemEvent,
    Thread,
    ThreadState,
)
from consultation.services import (
    DOCTORS_ONLY_ERROR,
    MESSAGE_EMPTY_ERROR,
    MESSAGE_TOO_LONG_ERROR,
    MUTE_REASON_REQUIRED_ERROR,
    MUTE_UNTIL_PAST_ERROR,
    MUTED_ERROR,
    NOT_MEMBER_ERROR,
    PET_NOT_OWN_ERROR,
    THREAD_CLOSED_ERROR,
    message_post,
    thread_close,
    thread_mark_read,
    thread_mute,
    thread_open,
)
from pets.tests.factories import PetFactory

from .factories import ThreadFactory, png_upload

pytestmark = pytest.mark.django_db


def in_an_hour():
    return timezone.now() + datetime.timedelta(hours=1)


@pytest.fixture
def thread(customer):
    return ThreadFactory(customer=customer)


def test_opening_a_thread_stores_it_with_its_first_message(customer):
    pet = PetFactory(owner=customer, name="Mochi")

    thread = thread_open(
        customer=customer, subject=" Sneezing ", pet=pet, text="Since Monday."
    )

    assert thread.subject == "Sneezing"
    assert thread.pet == pet
    assert thread.state == ThreadState.OPEN
    assert [m.text for m in thread.messages.all()] == ["Since Monday."]


def test_a_customer_cannot_open_a_thread_about_another_customers_pet(
    customer, other_customer
):
    pet = PetFactory(owner=other_customer)

    with pytest.raises(ValidationError) as error:
        thread_open(customer=customer, subject="Hi", pet=pet, text="Hello")

    assert error.value.message_dict["pet"] == [PET_NOT_OWN_ERROR]
    assert not Thread.objects.exists()


def test_a_thread_whose_first_message_is_refused_is_not_stored(customer):
    with pytest.raises(ValidationError):
        thread_open(customer=customer, subject="Hi", text="   ")

    assert not Thread.objects.exists()


def test_posting_stores_the_message_bumps_the_thread_and_marks_it_read(
    thread, customer
):
    before = thread.last_message_at

    message = message_post(thread=thread, sender=customer, text=" Hello ", urgent=True)

    thread.refresh_from_db()
    assert message.text == "Hello"
    assert message.urgent
    assert message.kind == MessageKind.USER
    assert thread.last_message_at == message.created_at > before
    mark = ReadMark.objects.get(thread=thread, user=customer)
    assert mark.last_read_message == message


def test_any_doctor_can_post_in_any_thread(thread, doctor):
    message = message_post(thread=thread, sender=doctor, text="Bring her in.")

    assert message.sender == doctor


def test_another_customer_cannot_post_in_a_thread(thread, other_customer):
    with pytest.raises(PermissionDenied) as error:
        message_post(thread=thread, sender=other_customer, text="Hi")

    assert str(error.value) == str(NOT_MEMBER_ERROR)
    assert not Message.objects.exists()


def test_a_deactivated_customer_cannot_post(thread, customer):
    customer.is_active = False
    customer.save()

    with pytest.raises(PermissionDenied):
        message_post(thread=thread, sender=customer, text="Hi")


def test_an_empty_message_is_refused(thread, customer):
    with pytest.raises(ValidationError) as error:
        message_post(thread=thread, sender=customer, text=" \n ")

    assert error.value.messages == [str(MESSAGE_EMPTY_ERROR)]


def test_a_message_over_the_limit_is_refused(thread, customer):
    with pytest.raises(ValidationError) as error:
        message_post(
            thread=thread, sender=customer, text="a" * (MESSAGE_MAX_LENGTH + 1)
        )

    assert error.value.messages == [
        str(MESSAGE_TOO_LONG_ERROR)
        % {"limit": MESSAGE_MAX_LENGTH, "length": MESSAGE_MAX_LENGTH + 1}
    ]
    message_post(thread=thread, sender=customer, text="好" * MESSAGE_MAX_LENGTH)


def test_a_photo_alone_is_a_message_and_is_reencoded(thread, customer):
    message = message_post(thread=thread, sender=customer, text="", photo=png_upload())

    assert message.text == ""
    assert message.photo.name.endswith(".webp")
    assert message.photo_thumbnail.name.endswith(".webp")


def test_a_broken_photo_is_refused_and_nothing_is_stored(thread, customer):
    fake = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")

    with pytest.raises(ValidationError):
        message_post(thread=thread, sender=customer, text="look", photo=fake)

    assert not Message.objects.exists()


def test_nobody_can_post_in_a_closed_thread(thread, customer, doctor):
    thread_close(thread=thread, by=doctor)

    for sender in (customer, doctor):
        with pytest.raises(ValidationError) as error:
            message_post(thread=thread, sender=sender, text="Hello?")
        assert error.value.messages == [str(THREAD_CLOSED_ERROR)]


def test_a_stale_thread_object_is_refused_once_closed_elsewhere(thread, customer):
    Thread.objects.filter(pk=thread.pk).update(
        state=ThreadState.CLOSED, closed_at=timezone.now()
    )

    with pytest.raises(ValidationError):
        message_post(thread=thread, sender=customer, text="Hello?")


@pytest.mark.calendar  # until an hour from now
def test_a_muted_customer_is_told_until_when_and_why(thread, customer, doctor):
    thread_mute(thread=thread, by=doctor, until=in_an_hour(), reason="Be polite.")

    with pytest.raises(ValidationError) as error:
        message_post(thread=thread, sender=customer, text="Hello?")

    assert error.value.code == "muted"
    assert "Be polite." in error.value.messages[0]
    assert str(MUTED_ERROR)[:30] in error.value.messages[0]


@pytest.mark.calendar  # muted until an hour from now
def test_doctors_still_write_while_the_customer_is_muted(thread, doctor):
    thread_mute(thread=thread, by=doctor, until=in_an_hour(), reason="Be polite.")

    assert message_post(thread=thread, sender=doctor, text="We are here.")


@pytest.mark.calendar  # a mute that ended a second ago
def test_a_mute_ends_by_itself(thread, customer, doctor):
    thread_mute(thread=thread, by=doctor, until=in_an_hour(), reason="Be polite.")
    Thread.objects.filter(pk=thread.pk).update(
        muted_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    thread.refresh_from_db()

    assert message_post(thread=thread, sender=customer, text="Sorry.")


@pytest.mark.calendar  # until an hour from now
def test_muting_posts_a_notice_for_the_customer(thread, doctor):
    until = in_an_hour()

    thread_mute(thread=thread, by=doctor, until=until, reason="Be polite.")

    notice = thread.messages.get()
    assert notice.kind == MessageKind.SYSTEM
    assert notice.event == SystemEvent.MUTED
    assert "Be polite." in notice.display_text
    assert thread.muted_until == until


@pytest.mark.calendar  # until an hour from now
def test_only_doctors_can_mute(thread, customer):
    with pytest.raises(PermissionDenied) as error:
        thread_mute(thread=thread, by=customer, until=in_an_hour(), reason="x")

    assert str(error.value) == str(DOCTORS_ONLY_ERROR)


@pytest.mark.calendar  # until now or an hour from now
def test_muting_needs_a_reason_and_a_future_time(thread, doctor):
    with pytest.raises(ValidationError) as error:
        thread_mute(thread=thread, by=doctor, until=in_an_hour(), reason=" ")
    assert error.value.messages == [str(MUTE_REASON_REQUIRED_ERROR)]

    with pytest.raises(ValidationError) as error:
        thread_mute(thread=thread, by=doctor, until=timezone.now(), reason="x")
    assert error.value.messages == [str(MUTE_UNTIL_PAST_ERROR)]


def test_closing_makes_the_thread_read_only_with_a_notice(thread, doctor):
    thread_close(thread=thread, by=doctor)

    thread.refresh_from_db()
    assert thread.state == ThreadState.CLOSED
    assert thread.closed_at
    assert thread.messages.get().event == SystemEvent.CLOSED


def test_only_doctors_can_close(thread, customer):
    with pytest.raises(PermissionDenied):
        thread_close(thread=thread, by=customer)

    thread.refresh_from_db()
    assert thread.state == ThreadState.OPEN


@pytest.mark.calendar  # until an hour from now
def test_a_closed_thread_cannot_be_closed_or_muted_again(thread, doctor):
    thread_close(thread=thread, by=doctor)

    with pytest.raises(ValidationError):
        thread_close(thread=thread, by=doctor)
    with pytest.raises(ValidationError):
        thread_mute(thread=thread, by=doctor, until=in_an_hour(), reason="x")


def test_read_marks_only_move_forward(thread, customer, doctor):
    first = message_post(thread=thread, sender=doctor, text="One")
    second = message_post(thread=thread, sender=doctor, text="Two")

    thread_mark_read(thread=thread, user=customer, up_to=second)
    mark = thread_mark_read(thread=thread, user=customer, up_to=first)

    mark.refresh_from_db()
    assert mark.last_read_message == second


def test_marking_an_empty_thread_read_does_nothing(thread, customer):
    assert thread_mark_read(thread=thread, user=customer) is None


def test_another_customer_cannot_mark_a_thread_read(thread, other_customer, doctor):
    message_post(thread=thread, sender=doctor, text="One")

    with pytest.raises(PermissionDenied):
        thread_mark_read(thread=thread, user=other_customer)


def test_a_doctors_reply_notifies_the_customer_but_their_own_message_does_not(
    thread, doctor
):
    message_post(thread=thread, sender=thread.customer, text="Still limping.")
    assert not Notification.objects.exists()

    message_post(thread=thread, sender=doctor, text="Bring her in today.")

    notification = Notification.objects.get()
    assert notification.recipient == thread.customer
    assert notification.url == thread.get_absolute_url()
    assert notification.text == f"{doctor.name} replied: {thread.subject}"
