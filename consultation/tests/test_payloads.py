"""A message's payload carries its HTML from the one template of a message,
which the chat puts in the page as it is: the same markup as the page's own
history, in the site's and the dashboard's layout, with the text escaped."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from consultation.payloads import message_payload
from consultation.services import message_post, thread_close

from .factories import MessageFactory, ThreadFactory, png_upload

pytestmark = pytest.mark.django_db

HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script><b>'


@pytest.fixture
def thread(customer):
    return ThreadFactory(customer=customer, subject="Mochi sneezes")


def test_a_hostile_text_is_escaped_in_every_layout(thread, customer):
    message = MessageFactory(thread=thread, sender=customer, text=HOSTILE)

    payload = message_payload(message)

    assert payload["text"] == HOSTILE  # still plain text, for other clients
    assert set(payload["html"]) == {"site", "admin"}
    for html in payload["html"].values():
        assert "&lt;img src=x onerror=&quot;window.pwned=1&quot;&gt;" in html
        assert "<img src=x" not in html
        assert "<script" not in html
        assert "<b>" not in html


def test_the_site_layout_is_the_thread_pages_own_markup(
    customer_client, thread, customer, doctor
):
    first = MessageFactory(thread=thread, sender=customer, text="Since Monday.")
    reply = MessageFactory(thread=thread, sender=doctor, text="Any fever?")
    photo = message_post(thread=thread, sender=customer, text="", photo=png_upload())

    page = customer_client.get(thread.get_absolute_url()).content.decode()

    for message in (first, reply, photo):
        html = message_payload(message)["html"]["site"]
        assert html.startswith(
            f'<li class="d-flex gap-2 mb-3 message" id="message-{message.pk}"'
        )
        assert html in page
    assert (
        reverse("consultation:photo-thumbnail", args=[thread.pk, photo.pk])
        in (message_payload(photo)["html"]["site"])
    )


def test_the_admin_layout_is_the_dashboards_own_markup(doctor_client, thread, doctor):
    question = MessageFactory(thread=thread, text="Is it urgent?", urgent=True)
    thread_close(thread=thread, by=doctor)
    notice = thread.messages.latest("pk")
    page = doctor_client.get(
        reverse("admin:consultation_thread_change", args=[thread.pk])
    ).content.decode()

    for message in (question, notice):
        html = message_payload(message)["html"]["admin"]
        assert html.startswith(f'<tr id="message-{message.pk}"')
        assert html in page


def test_a_notice_is_rendered_in_the_readers_language(thread, doctor):
    thread_close(thread=thread, by=doctor)
    notice = thread.messages.latest("pk")

    with translation.override("zh-hans"):
        payload = message_payload(notice)
        word = gettext("Notice")

    assert word != "Notice"
    assert f"<em>{word}</em>" in payload["html"]["admin"]
    assert payload["text"] in payload["html"]["site"]
