"""The page scripts read close codes and limits from data attributes that
{% live_socket %} writes from Python, their single source."""

import re

import pytest
from django.template import Context, Template
from django.urls import reverse

from consultation.consumers import FRAME_MAX_BYTES
from consultation.tests.factories import ThreadFactory
from core import sockets
from core.templatetags.core_tags import close_codes


def attributes(html):
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', html))


def test_every_close_code_of_core_sockets_becomes_a_data_attribute():
    html = Template(
        '{% load core_tags %}<a {% live_socket "/ws/x/" frame_max_bytes=7 %}>'
    ).render(Context())

    found = attributes(html)
    assert found.pop("socket-url") == "/ws/x/"
    assert found.pop("frame-max-bytes") == "7"
    assert found == {name: str(code) for name, code in close_codes().items()}
    assert found["close-not-signed-in"] == str(sockets.CLOSE_NOT_SIGNED_IN)
    assert found["close-session-ended"] == str(sockets.CLOSE_SESSION_ENDED)
    assert found["close-not-member"] == str(sockets.CLOSE_NOT_MEMBER)


def test_a_url_is_escaped_in_its_attribute():
    html = Template("{% load core_tags %}{% live_socket url %}").render(
        Context({"url": '/ws/"><script>'})
    )

    assert "<script>" not in html
    assert 'data-socket-url="/ws/&quot;&gt;&lt;script&gt;"' in html


@pytest.mark.django_db
def test_the_pages_sockets_carry_the_codes_and_the_chats_frame_limit(
    customer_client, customer
):
    thread = ThreadFactory(customer=customer)

    page = customer_client.get(thread.get_absolute_url()).content.decode()

    bell = re.search(r"<a [^>]*data-notification-bell[^>]*>", page).group(0)
    assert attributes(bell)["socket-url"] == "/ws/notifications/"
    assert attributes(bell)["close-not-signed-in"] == str(sockets.CLOSE_NOT_SIGNED_IN)
    chat = re.search(r"<section [^>]*data-consultation[^>]*>", page).group(0)
    assert attributes(chat)["socket-url"] == f"/ws/consultation/{thread.pk}/"
    assert attributes(chat)["frame-max-bytes"] == str(FRAME_MAX_BYTES)
    assert attributes(chat)["close-not-member"] == str(sockets.CLOSE_NOT_MEMBER)


@pytest.mark.django_db
def test_the_dashboards_socket_carries_the_codes(doctor_client):
    page = doctor_client.get(reverse("admin:index")).content.decode()

    status = re.search(r"<div [^>]*data-live-dashboard[^>]*>", page).group(0)
    assert attributes(status)["socket-url"] == "/ws/dashboard/"
    assert attributes(status)["close-session-ended"] == str(sockets.CLOSE_SESSION_ENDED)
