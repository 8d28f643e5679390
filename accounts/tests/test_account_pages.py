"""allauth's pages as the site shows them: headings a customer understands,
and a word on what comes next after confirming the e-mail address."""

import re

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.adapter import EMAIL_CONFIRMED_SIGN_IN_MESSAGE
from accounts.models import User
from core.background import run_ready_tasks

pytestmark = pytest.mark.django_db

CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)")


def _sign_up(client):
    client.post(
        reverse("account_signup"),
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
            "accept_rules": "on",
        },
    )
    run_ready_tasks()
    return CONFIRM_LINK.search(mail.outbox[-1].body).group(1)


def test_confirming_in_the_signup_browser_signs_the_customer_in(client):
    link = _sign_up(client)

    response = client.post(link)

    assert response["Location"] == reverse("pets:list")
    assert client.session[SESSION_KEY] == str(User.objects.get(username="newbie").pk)


def test_confirming_in_another_browser_says_to_sign_in(client):
    link = _sign_up(client)
    other_browser = Client()

    response = other_browser.post(link, follow=True)

    assert response.redirect_chain[-1][0] == reverse("account_login")
    assert SESSION_KEY not in other_browser.session
    html = response.content.decode()
    assert str(EMAIL_CONFIRMED_SIGN_IN_MESSAGE) in html
    assert html.count('role="alert"') == 1  # said once, not twice


def test_confirming_a_new_address_while_signed_in_says_it_is_confirmed(
    customer_client, customer
):
    address = EmailAddress.objects.create(
        user=customer, email="alice.new@example.com", verified=False
    )
    key = EmailConfirmationHMAC(address).key

    response = customer_client.post(
        reverse("account_confirm_email", args=[key]), follow=True
    )

    html = response.content.decode()
    assert "You have confirmed alice.new@example.com." in html
    assert str(EMAIL_CONFIRMED_SIGN_IN_MESSAGE) not in html


def test_a_used_reset_link_has_a_heading_a_customer_understands(client):
    response = client.get("/accounts/password/reset/key/1-set-password/", follow=True)

    assert response.context["token_fail"]
    html = response.content.decode()
    assert "Bad Token" not in html
    assert re.search(r"<h1[^>]*>\s*This link no longer works\s*</h1>", html)
