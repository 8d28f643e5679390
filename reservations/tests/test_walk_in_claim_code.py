"""The walk-in form's next page for a new customer with an e-mail address:
the claim code (accounts/claim_codes.py) once, on a slip in the customer's
language, and a new code (with the invitation again) when they lost it."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.unclaimed import is_unclaimed
from core.background import run_ready_tasks
from reservations.tests.factories import make_front_desk, today_at

pytestmark = pytest.mark.django_db

WALK_IN = reverse("admin:reservations_walk_in")
QUEUE = reverse("admin:reservations_queue")
NEW_CUSTOMER = {
    "customer_name": "Wang Fang",
    "customer_phone": "138 0013 8000",
    "customer_email": "fang@example.com",
    "customer_language": "zh-hans",
    "pet_name": "Doudou",
    "pet_species": "cat",
    "reason": "Sneezing.",
    "triage": "standard",
    "register": "1",
}
CODE = re.compile(r'<p class="claim-slip-code">([A-Z2-9]{4}-[A-Z2-9]{4})</p>')


@pytest.fixture
def desk_client(time_machine):
    time_machine.move_to(today_at(10, 10), tick=False)
    desk = Client()
    desk.force_login(make_front_desk(username="reception"))
    return desk


def _claim_with(code):
    run_ready_tasks()
    (invitation,) = mail.outbox
    mail.outbox.clear()
    link = re.search(r"https?://\S+/accounts/claim/\S+", invitation.body).group(0)
    password = "a long new password 42"
    return link, {"claim_code": code, "password1": password, "password2": password}


def test_the_desk_sees_the_code_once_on_a_slip_in_the_customers_language(
    desk_client, client
):
    response = desk_client.post(WALK_IN, NEW_CUSTOMER, follow=True)

    owner = User.objects.get(display_name="Wang Fang")
    page = reverse("admin:accounts_user_claim_code", args=[owner.pk])
    assert response.redirect_chain[-1][0] == page
    html = response.content.decode()
    assert "Doudou is checked in and in today’s queue (Standard)." in html
    assert "it is shown only once" in html
    assert '<div class="claim-slip" lang="zh-hans">' in html
    code = CODE.search(html).group(1)
    again = desk_client.get(page).content.decode()
    assert not CODE.search(again)
    assert "Issue a new code and send the invitation again" in again
    link, data = _claim_with(code)
    assert client.post(link, data).status_code == 302
    assert not is_unclaimed(owner)


def test_a_new_code_replaces_the_lost_one_and_the_invitation_goes_again(
    desk_client, client
):
    desk_client.post(WALK_IN, NEW_CUSTOMER)
    owner = User.objects.get(display_name="Wang Fang")
    page = reverse("admin:accounts_user_claim_code", args=[owner.pk])
    old_code = CODE.search(desk_client.get(page).content.decode()).group(1)
    run_ready_tasks()
    (old_invitation,) = mail.outbox
    mail.outbox.clear()

    response = desk_client.post(page, follow=True)

    new_code = CODE.search(response.content.decode()).group(1)
    assert "A new claim code is issued and the invitation sent again." in (
        response.content.decode()
    )
    link, data = _claim_with(new_code)
    old_link = re.search(r"https?://\S+/accounts/claim/\S+", old_invitation.body)
    assert client.get(old_link.group(0)).status_code == 404
    assert client.post(link, {**data, "claim_code": old_code}).status_code == 400
    assert client.post(link, data).status_code == 302
    assert not is_unclaimed(owner)


def test_customers_cannot_reach_the_page_and_a_claimed_account_has_none(
    desk_client, client, customer
):
    desk_client.post(WALK_IN, NEW_CUSTOMER)
    owner = User.objects.get(display_name="Wang Fang")
    page = reverse("admin:accounts_user_claim_code", args=[owner.pk])
    client.force_login(customer)

    refused = client.get(page)
    issued = client.post(page)

    assert refused.status_code == issued.status_code == 302
    assert "login" in refused["Location"]
    claimed = reverse("admin:accounts_user_claim_code", args=[customer.pk])
    assert desk_client.get(claimed).status_code == 404
    assert desk_client.post(claimed).status_code == 404


def test_the_customers_admin_page_leads_to_a_new_code_until_claimed(
    desk_client, customer
):
    desk_client.post(WALK_IN, NEW_CUSTOMER)
    owner = User.objects.get(display_name="Wang Fang")
    page = reverse("admin:accounts_user_claim_code", args=[owner.pk])

    html = desk_client.get(
        reverse("admin:accounts_user_change", args=[owner.pk])
    ).content.decode()
    claimed = desk_client.get(
        reverse("admin:accounts_user_change", args=[customer.pk])
    ).content.decode()

    assert "Not claimed yet." in html
    assert f'href="{page}"' in html
    assert "Issue a new claim code" not in claimed
