"""Consultation pages: owner, another customer (404), doctor, anonymous."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultation.models import (
    CATCH_UP_PAGE_SIZE,
    HISTORY_PAGE_SIZE,
    Message,
    Thread,
)
from consultation.services import message_post, thread_close, thread_mute
from consultation.views import (
    BAD_AFTER_ERROR,
    BAD_BEFORE_ERROR,
    BEFORE_AND_AFTER_ERROR,
)
from pets.tests.factories import PetFactory

from .factories import MessageFactory, ThreadFactory, png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(customer):
    return ThreadFactory(customer=customer, subject="Mochi sneezes")


@pytest.fixture
def photo_message(thread, customer):
    return message_post(thread=thread, sender=customer, text="", photo=png_upload())


def thread_urls(thread, message):
    return [
        reverse("consultation:detail", args=[thread.pk]),
        reverse("consultation:messages", args=[thread.pk]),
        reverse("consultation:photo", args=[thread.pk, message.pk]),
        reverse("consultation:photo-thumbnail", args=[thread.pk, message.pk]),
    ]


def text_of(response):
    return response.content.decode()


# --- who may see what ------------------------------------------------------


def test_another_customer_gets_404_for_every_thread_url(
    client, other_customer, thread, photo_message
):
    client.force_login(other_customer)

    for url in thread_urls(thread, photo_message):
        assert client.get(url).status_code == 404, url
    detail = reverse("consultation:detail", args=[thread.pk])
    assert client.post(detail, {"text": "Hi"}).status_code == 404
    assert Message.objects.count() == 1


def test_the_owner_and_doctors_can_open_every_thread_url(
    client, customer, doctor, thread, photo_message
):
    for user in (customer, doctor):
        client.force_login(user)
        for url in thread_urls(thread, photo_message):
            assert client.get(url).status_code == 200, (user, url)


def test_anonymous_visitors_are_sent_to_log_in(client, thread, photo_message):
    urls = [
        reverse("consultation:list"),
        reverse("consultation:new"),
        *thread_urls(thread, photo_message),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_a_photo_is_served_as_the_reencoded_image(
    customer_client, thread, photo_message
):
    response = customer_client.get(
        reverse("consultation:photo-thumbnail", args=[thread.pk, photo_message.pk])
    )

    assert response["Content-Type"] == "image/webp"


def test_a_message_without_a_photo_has_no_photo_url(customer_client, thread, customer):
    message = message_post(thread=thread, sender=customer, text="Hi")

    url = reverse("consultation:photo", args=[thread.pk, message.pk])
    assert customer_client.get(url).status_code == 404


# --- the list ----------------------------------------------------------------


def test_a_customer_sees_their_threads_with_unread_counts(
    customer_client, customer, other_customer, doctor, thread
):
    message_post(thread=thread, sender=doctor, text="How is she?")
    ThreadFactory(customer=other_customer, subject="Not yours")

    response = customer_client.get(reverse("consultation:list"))

    page = text_of(response)
    assert "Mochi sneezes" in page
    assert "Not yours" not in page
    assert [t.unread_count for t in response.context["threads"]] == [1]


@pytest.mark.calendar  # a thread written in yesterday
def test_doctors_see_open_threads_urgent_first(doctor_client, customer, doctor):
    calm = ThreadFactory(customer=customer, subject="calm")
    MessageFactory(thread=calm)
    urgent = ThreadFactory(customer=customer, subject="urgent")
    MessageFactory(thread=urgent, urgent=True)
    Thread.objects.filter(pk=urgent.pk).update(
        last_message_at=timezone.now() - datetime.timedelta(days=1)
    )
    closed = ThreadFactory(customer=customer, subject="closed")
    MessageFactory(thread=closed)
    thread_close(thread=closed, by=doctor)

    response = doctor_client.get(reverse("consultation:list"))

    assert [t.subject for t in response.context["threads"]] == ["urgent", "calm"]
    assert 'data-testid="urgent"' in text_of(response)


@pytest.mark.parametrize("as_doctor", [False, True])
def test_the_thread_list_costs_the_same_queries_for_1_and_50_threads(
    client, customer, doctor, as_doctor
):
    def make_threads(count):
        for _ in range(count):
            thread = ThreadFactory(customer=customer, pet=PetFactory(owner=customer))
            MessageFactory(thread=thread, urgent=True)
            MessageFactory(thread=thread, sender=doctor)

    client.force_login(doctor if as_doctor else customer)

    def queries():
        client.get(reverse("consultation:list"))  # the navbar counts are cached
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("consultation:list"))
        assert response.status_code == 200
        return len(captured), len(response.context["threads"])

    make_threads(1)
    one, listed_one = queries()
    make_threads(49)
    fifty, listed_fifty = queries()

    assert (listed_one, listed_fifty) == (1, 50)
    assert one == fifty


# --- a new thread ---------------------------------------------------------------


def test_a_customer_opens_a_thread_about_their_pet(customer_client, customer):
    pet = PetFactory(owner=customer, name="Biscuit")

    response = customer_client.post(
        reverse("consultation:new"),
        {"subject": "Itchy ears", "pet": pet.pk, "text": "Scratching a lot."},
    )

    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    assert (thread.customer, thread.pet) == (customer, pet)
    assert thread.messages.get().text == "Scratching a lot."


def test_a_customer_cannot_open_a_thread_about_another_customers_pet(
    customer_client, other_customer
):
    pet = PetFactory(owner=other_customer)

    response = customer_client.post(
        reverse("consultation:new"),
        {"subject": "Hi", "pet": pet.pk, "text": "Hello"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["pet"]
    assert not Thread.objects.exists()


def test_a_new_thread_needs_a_subject_and_a_message(customer_client):
    response = customer_client.post(reverse("consultation:new"), {"subject": ""})

    assert response.status_code == 400
    assert not Thread.objects.exists()


# --- the thread page ----------------------------------------------------------


def test_the_thread_page_shows_the_latest_messages_oldest_first(
    customer_client, thread, customer
):
    MessageFactory.create_batch(HISTORY_PAGE_SIZE + 5, thread=thread)

    response = customer_client.get(thread.get_absolute_url())

    shown = [m.pk for m in response.context["shown"].messages]
    latest = list(thread.messages.order_by("-pk").values_list("pk", flat=True))
    assert shown == latest[:HISTORY_PAGE_SIZE][::-1]
    assert f"?before={shown[0]}" in text_of(response)


def test_load_older_shows_the_messages_before_without_javascript(
    customer_client, thread
):
    messages = MessageFactory.create_batch(HISTORY_PAGE_SIZE + 5, thread=thread)

    response = customer_client.get(
        thread.get_absolute_url(), {"before": messages[5].pk}
    )

    shown = response.context["shown"]
    assert [m.pk for m in shown.messages] == [m.pk for m in messages[:5]]
    assert not shown.has_more


def test_message_text_is_shown_as_text_never_as_html(customer_client, thread):
    MessageFactory(thread=thread, text="<script>alert(1)</script>\nline two")

    page = text_of(customer_client.get(thread.get_absolute_url()))

    assert "<script>alert(1)</script>" not in page
    # Escaped, its line break kept by the stylesheet (white-space: pre-wrap).
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\nline two" in page


def test_a_message_posts_with_the_plain_form(customer_client, thread, customer):
    response = customer_client.post(
        thread.get_absolute_url(),
        {"text": "She ate today.", "urgent": "on", "photo": png_upload()},
    )

    message = thread.messages.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#message-{message.pk}")
    assert (message.text, message.urgent, message.sender) == (
        "She ate today.",
        True,
        customer,
    )
    assert message.photo
    page = text_of(customer_client.get(thread.get_absolute_url()))
    assert reverse("consultation:photo-thumbnail", args=[thread.pk, message.pk]) in page


def test_a_doctor_answers_from_the_thread_page(doctor_client, thread, doctor):
    doctor_client.post(thread.get_absolute_url(), {"text": "Bring her in."})

    assert thread.messages.get().sender == doctor


def test_an_empty_post_gets_the_error_on_the_page(customer_client, thread):
    response = customer_client.post(thread.get_absolute_url(), {"text": ""})

    assert response.status_code == 400
    assert "Write a message or attach a photo." in text_of(response)


def test_opening_the_thread_marks_it_read(customer_client, thread, customer, doctor):
    message_post(thread=thread, sender=doctor, text="Hello")

    customer_client.get(thread.get_absolute_url())

    assert Thread.objects.with_unread_count(customer).get().unread_count == 0


def test_the_customer_sees_when_a_doctor_has_read_their_message(
    client, thread, customer, doctor
):
    def history():
        # The messages list (the page also holds the live chat's <template>s).
        page = text_of(client.get(thread.get_absolute_url()))
        return page.split("data-messages", 1)[1].split("</ol>", 1)[0]

    message_post(thread=thread, sender=customer, text="Hello")
    client.force_login(customer)
    assert 'data-testid="seen"' not in history()

    client.force_login(doctor)
    client.get(thread.get_absolute_url())
    client.force_login(customer)

    assert 'data-testid="seen"' in history()


@pytest.mark.calendar  # muted until an hour from now
def test_a_muted_customer_sees_why_and_no_form(customer_client, thread, doctor):
    thread_mute(
        thread=thread,
        by=doctor,
        until=timezone.now() + datetime.timedelta(hours=1),
        reason="Please stay polite.",
    )

    page = text_of(customer_client.get(thread.get_absolute_url()))

    assert 'data-testid="muted-notice"' in page
    assert "Please stay polite." in page
    assert 'data-testid="message-form"' not in page


@pytest.mark.calendar  # muted until an hour from now
def test_a_muted_customers_post_is_refused_with_the_reason(
    customer_client, thread, doctor
):
    thread_mute(
        thread=thread,
        by=doctor,
        until=timezone.now() + datetime.timedelta(hours=1),
        reason="Please stay polite.",
    )

    response = customer_client.post(thread.get_absolute_url(), {"text": "Hey"})

    assert response.status_code == 400
    assert thread.messages.filter(kind="user").count() == 0


@pytest.mark.calendar  # tomorrow afternoon
def test_a_mute_until_an_afternoon_reads_without_a_double_full_stop(
    customer_client, thread, doctor, client
):
    # English times end with a full stop ("3 p.m."): a sentence that put one
    # after the date read "p.m..".
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    three_pm = timezone.make_aware(
        datetime.datetime.combine(tomorrow, datetime.time(15))
    )
    thread_mute(thread=thread, by=doctor, until=three_pm, reason="Calm down")

    page = customer_client.get(thread.get_absolute_url()).content.decode()
    refused = customer_client.post(thread.get_absolute_url(), {"text": "Hey"})
    client.force_login(doctor)
    doctors_page = client.get(thread.get_absolute_url()).content.decode()

    notices = [page, refused.content.decode(), doctors_page]
    assert all("3 p.m." in html for html in notices)
    assert not any("p.m.." in html for html in notices)


@pytest.mark.calendar  # the day it closed
def test_a_closed_thread_shows_closed_and_no_form(customer_client, thread, doctor):
    thread_close(thread=thread, by=doctor)

    page = text_of(customer_client.get(thread.get_absolute_url()))

    assert 'data-testid="closed-notice"' in page
    assert 'data-testid="message-form"' not in page


# --- history as JSON ------------------------------------------------------------


def test_history_json_pages_back_with_before(customer_client, thread, doctor):
    messages = MessageFactory.create_batch(HISTORY_PAGE_SIZE + 2, thread=thread)
    MessageFactory(thread=thread, sender=doctor, text="<b>hi</b>", urgent=True)
    url = reverse("consultation:messages", args=[thread.pk])

    latest = customer_client.get(url).json()
    older = customer_client.get(url, {"before": latest["messages"][0]["id"]}).json()

    assert latest["has_more"] is True
    assert len(latest["messages"]) == HISTORY_PAGE_SIZE
    last = latest["messages"][-1]
    assert last["text"] == "<b>hi</b>"  # text, for the client's textContent
    assert last["sender_is_doctor"] is True
    assert last["urgent"] is True
    assert last["avatar"]["initials"]
    assert [m["id"] for m in older["messages"]] == [m.pk for m in messages[:3]]
    assert older["has_more"] is False
    assert older["messages"][0]["sender_is_doctor"] is False


@pytest.mark.parametrize("before", ["abc", "-1", "0", "1.5", "١", "9" * 5000])
def test_history_json_refuses_a_bad_before(customer_client, thread, before):
    response = customer_client.get(
        reverse("consultation:messages", args=[thread.pk]), {"before": before}
    )

    assert response.status_code == 400
    assert response.json() == {"error": str(BAD_BEFORE_ERROR)}


def test_history_json_after_a_message_gives_every_newer_one_in_pages(
    customer_client, thread, doctor
):
    """A page that lost its connection asks for what came after the last
    message it holds, and again until has_more is false: nothing is left out
    however many were missed (the latest page alone held 30)."""
    held = MessageFactory(thread=thread, text="The last one the page holds")
    missed = MessageFactory.create_batch(CATCH_UP_PAGE_SIZE + 5, thread=thread)
    MessageFactory(thread=ThreadFactory(), text="Another thread's")
    url = reverse("consultation:messages", args=[thread.pk])

    first = customer_client.get(url, {"after": held.pk}).json()
    second = customer_client.get(url, {"after": first["messages"][-1]["id"]}).json()

    assert first["has_more"] is True
    assert second["has_more"] is False
    fetched = [m["id"] for m in first["messages"] + second["messages"]]
    assert fetched == [m.pk for m in missed]
    assert first["messages"][0]["text"] == missed[0].text


def test_history_json_after_the_latest_message_is_empty(customer_client, thread):
    latest = MessageFactory(thread=thread)
    data = customer_client.get(
        reverse("consultation:messages", args=[thread.pk]), {"after": latest.pk}
    ).json()
    assert data == {"messages": [], "has_more": False}


def test_another_customer_gets_404_for_the_messages_after_one(
    client, other_customer, thread
):
    message = MessageFactory(thread=thread)
    client.force_login(other_customer)
    response = client.get(
        reverse("consultation:messages", args=[thread.pk]), {"after": message.pk - 1}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("after", ["abc", "-1", "0", "1.5", "١", "9" * 5000])
def test_history_json_refuses_a_bad_after(customer_client, thread, after):
    response = customer_client.get(
        reverse("consultation:messages", args=[thread.pk]), {"after": after}
    )

    assert response.status_code == 400
    assert response.json() == {"error": str(BAD_AFTER_ERROR)}


def test_history_json_refuses_before_and_after_together(customer_client, thread):
    response = customer_client.get(
        reverse("consultation:messages", args=[thread.pk]), {"after": 1, "before": 9}
    )

    assert response.status_code == 400
    assert response.json() == {"error": str(BEFORE_AND_AFTER_ERROR)}


def test_history_json_gives_photo_urls(customer_client, thread, photo_message):
    data = customer_client.get(
        reverse("consultation:messages", args=[thread.pk])
    ).json()

    assert data["messages"][0]["photo_url"] == reverse(
        "consultation:photo", args=[thread.pk, photo_message.pk]
    )


def test_the_navbar_links_to_consultations(customer_client):
    page = text_of(customer_client.get(reverse("consultation:list")))

    assert f'href="{reverse("consultation:list")}"' in page


# --- upload progress (static/js/upload-progress.js) ------------------------

XHR = {"X-Requested-With": "XMLHttpRequest"}


def test_the_composer_and_the_new_thread_form_have_upload_progress(
    customer_client, thread
):
    for url in (thread.get_absolute_url(), reverse("consultation:new")):
        page = text_of(customer_client.get(url))

        assert "data-upload-progress" in page
        assert "<progress" in page
        assert "/static/js/upload-progress.js" in page


def test_a_photo_sent_by_the_upload_script_gets_where_to_go_as_json(
    customer_client, thread
):
    response = customer_client.post(
        thread.get_absolute_url(), {"text": "", "photo": png_upload()}, headers=XHR
    )

    message = thread.messages.get()
    assert response.json() == {
        "redirect": f"{thread.get_absolute_url()}#message-{message.pk}"
    }
    assert message.photo


def test_the_upload_script_gets_the_services_refusal_as_json(
    customer_client, thread, doctor
):
    thread_close(thread=thread, by=doctor)

    response = customer_client.post(
        thread.get_absolute_url(), {"text": "", "photo": png_upload()}, headers=XHR
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["__all__"]
    assert not thread.messages.exclude(photo="").exists()


def test_a_new_thread_with_a_photo_from_the_upload_script_gets_json(
    customer_client, customer
):
    response = customer_client.post(
        reverse("consultation:new"),
        {"subject": "Her paw", "text": "", "photo": png_upload()},
        headers=XHR,
    )

    thread = Thread.objects.get(customer=customer)
    assert response.json() == {"redirect": thread.get_absolute_url()}
