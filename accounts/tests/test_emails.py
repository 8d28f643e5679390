"""Account e-mails (allauth's) name the hospital and link where they should."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import UserFactory
from core.background import run_ready_tasks

SIGNUP = {
    "username": "newbie",
    "email": "newbie@example.com",
    "password1": "a-long-and-unusual-passphrase",
    "password2": "a-long-and-unusual-passphrase",
    "accept_rules": "on",
}


def _signup_mail(client, language):
    client.post(reverse("account_signup"), SIGNUP, HTTP_ACCEPT_LANGUAGE=language)
    run_ready_tasks()
    [message] = mail.outbox
    return message


@pytest.mark.django_db
def test_the_verification_email_names_the_hospital_in_english(client):
    message = _signup_mail(client, "en")

    assert message.subject == "[Healing Paws] Please Confirm Your Email Address"
    assert message.body.startswith("Hello newbie,\n")
    assert "Thank you for using Healing Paws!" in message.body
    assert "Hello from" not in message.body


@pytest.mark.django_db
def test_the_verification_email_names_the_hospital_in_chinese(client):
    message = _signup_mail(client, "zh-hans")

    assert message.subject.startswith("[愈爪宠物医院] ")
    assert message.body.startswith("newbie，您好：\n")
    assert "感谢您使用 愈爪宠物医院！" in message.body
    assert "Hello" not in message.body
    assert "来自" not in message.body


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_no_account_email_names_the_site_by_its_host(client, settings, language):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    client.post(
        reverse("account_signup"),
        SIGNUP,
        HTTP_ACCEPT_LANGUAGE=language,
        HTTP_HOST="127.0.0.1:18300",
    )
    client.post(
        reverse("account_reset_password"),
        {"email": "nobody@example.com"},
        HTTP_ACCEPT_LANGUAGE=language,
        HTTP_HOST="127.0.0.1:18300",
    )
    run_ready_tasks()

    assert len(mail.outbox) == 2
    for message in mail.outbox:
        first_line = message.body.splitlines()[0]
        assert "127.0.0.1" not in message.subject + first_line
        # The links (and the line under the signature) go where the visitor was.
        assert "http://127.0.0.1:18300/accounts/" in message.body


@pytest.mark.django_db
def test_an_unknown_address_is_greeted_by_the_address(client):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    run_ready_tasks()

    [message] = mail.outbox
    assert message.body.startswith("Hello nobody@example.com,\n")


@pytest.mark.django_db
def test_a_notification_greets_its_user_by_name_in_their_language(client, password):
    user = UserFactory(display_name="王小明", preferred_language="zh-hans")
    client.force_login(user)
    client.post(
        reverse("account_change_password"),
        {
            "oldpassword": password,
            "password1": "n3w-pass-phrase!",
            "password2": "n3w-pass-phrase!",
        },
    )
    run_ready_tasks()

    [message] = mail.outbox
    assert message.subject.startswith("[愈爪宠物医院] ")
    assert message.body.startswith("王小明，您好：\n")


@pytest.mark.django_db
def test_account_links_are_https_when_the_site_is(client, settings, customer):
    settings.ALLOWED_HOSTS = ["healingpaws.example"]
    settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

    client.post(
        reverse("account_reset_password"),
        {"email": "alice@example.com"},
        HTTP_HOST="healingpaws.example",
    )
    run_ready_tasks()

    [message] = mail.outbox
    assert re.search(
        r"^https://healingpaws\.example/accounts/password/reset/key/\S+/$",
        message.body,
        re.MULTILINE,
    )
    assert "http://" not in message.body
