"""The navbar of a signed-in user's pages is a kept part
(healingpaws/context_processors.py): what it shows follows every change (a
notification, a consultation read, a name, a role), its links mark the
page's section, and the language menu leads back to each page, query string
included."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services as accounts_services
from accounts.notifications import notification_send
from accounts.tests.factories import UserFactory
from consultation.tests.factories import MessageFactory, ThreadFactory
from pets.tests.factories import PetFactory

pytestmark = pytest.mark.django_db


def navbar(client, url="/pets/"):
    response = client.get(url)
    assert response.status_code == 200
    return re.search(r"<nav class=\"navbar.*?</nav>", response.content.decode(), re.S)[
        0
    ]


def bell_count(html):
    return int(re.search(r"data-unread-count[^>]*>(\d+)<", html)[1])


def test_the_navbar_follows_notifications_and_the_users_name(customer_client, customer):
    assert bell_count(navbar(customer_client)) == 0
    with CaptureQueriesContext(connection) as asked:
        navbar(customer_client)  # kept: nothing counted again
    assert not [
        q for q in asked.captured_queries if "accounts_notification" in q["sql"]
    ]

    notification_send(recipient=customer, kind="test", url="/pets/")
    assert bell_count(navbar(customer_client)) == 1

    accounts_services.user_update_profile(
        user=customer, display_name="Alice Renamed", phone="", preferred_language="en"
    )
    assert "Alice Renamed" in navbar(customer_client)


def test_the_navbar_follows_unread_consultations(customer_client, customer, doctor):
    thread = ThreadFactory(customer=customer)
    assert 'data-testid="unread-consultations"' not in navbar(customer_client)

    MessageFactory(thread=thread, sender=doctor, text="How is Luna?")

    assert 'data-testid="unread-consultations"' in navbar(customer_client)


def test_a_new_doctor_gets_the_dashboard_link(client, customer):
    client.force_login(customer)
    assert "Doctor dashboard" not in navbar(client)

    accounts_services.user_promote_to_doctor(user=customer)

    assert "Doctor dashboard" in navbar(client)


def test_the_navbar_marks_the_section_and_leads_back_to_each_page(
    customer_client, customer
):
    pet = PetFactory(owner=customer)
    pets = navbar(customer_client, "/pets/")
    visits = navbar(customer_client, "/reservations/")
    one_pet = navbar(customer_client, f"/pets/{pet.pk}/?tab=record&x=2")

    assert re.search(r'nav-link active"[^>]*href="/pets/"', pets)
    assert re.search(r'nav-link active"[^>]*href="/reservations/"', visits)
    assert 'name="next" value="/pets/"' in pets
    assert f'name="next" value="/pets/{pet.pk}/?tab=record&amp;x=2"' in one_pet


def test_another_customer_never_gets_a_kept_navbar(client, customer):
    other = UserFactory(display_name="Mallory Other")
    client.force_login(customer)
    mine = navbar(client)  # kept for the customer
    assert customer.name in mine

    client.force_login(other)
    theirs = navbar(client)

    assert "Mallory Other" in theirs
    assert customer.name not in theirs
