import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.forms import ACCEPT_RULES_REQUIRED_ERROR
from accounts.models import User
from accounts.validators import USERNAME_FORMAT_ERROR
from core.background import MAX_ATTEMPTS, failed_tasks, run_ready_tasks
from core.tests.mail import ACCEPTING, REFUSING, retries_due

SIGNUP_URL = reverse("account_signup")


def signup_data(**overrides):
    data = {
        "username": "newbie",
        "email": "newbie@example.com",
        "password1": "a-long-and-unusual-passphrase",
        "password2": "a-long-and-unusual-passphrase",
        "accept_rules": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.django_db
def test_signup_creates_an_unverified_account_and_sends_the_verification_email(client):
    response = client.post(SIGNUP_URL, signup_data())
    run_ready_tasks()

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(username="newbie")
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["newbie@example.com"]
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def _confirm_link(message):
    return re.search(r"/accounts/confirm-email/[^/\s]+/", message.body).group(0)


@pytest.mark.django_db
def test_signup_answers_the_same_while_the_mail_server_refuses_and_mails_later(
    client, settings
):
    settings.EMAIL_DELIVERY_BACKEND = REFUSING

    response = client.post(SIGNUP_URL, signup_data())
    run_ready_tasks()  # the worker's first attempt: refused

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert mail.outbox == []

    settings.EMAIL_DELIVERY_BACKEND = ACCEPTING
    retries_due()
    run_ready_tasks()

    [message] = mail.outbox
    assert message.to == ["newbie@example.com"]
    client.post(_confirm_link(message))
    assert EmailAddress.objects.get(email="newbie@example.com").verified


@pytest.mark.django_db
def test_a_verification_email_the_mail_server_never_took_can_be_asked_for_again(
    client, settings
):
    settings.EMAIL_DELIVERY_BACKEND = REFUSING
    client.post(SIGNUP_URL, signup_data())
    for _attempt in range(MAX_ATTEMPTS):
        retries_due()
        run_ready_tasks()
    assert failed_tasks().count() == 1  # given up, for the operators

    # Later (allauth's limit on re-sending has passed), the server is back and
    # the account is theirs: signing in sends the verification e-mail again.
    cache.clear()
    settings.EMAIL_DELIVERY_BACKEND = ACCEPTING
    later = Client()
    response = later.post(
        reverse("account_login"),
        {"login": "newbie", "password": "a-long-and-unusual-passphrase"},
    )
    run_ready_tasks()

    assert response["Location"] == reverse("account_email_verification_sent")
    [message] = mail.outbox
    assert message.to == ["newbie@example.com"]
    later.post(_confirm_link(message))
    assert EmailAddress.objects.get(email="newbie@example.com").verified


@pytest.mark.django_db
def test_the_accept_rules_box_is_required(client):
    response = client.post(SIGNUP_URL, signup_data(accept_rules=None))

    assert response.status_code == 200
    assert str(ACCEPT_RULES_REQUIRED_ERROR) in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["ab", "has space", "dash-ed", "x" * 31, "ünï"])
def test_badly_formed_usernames_are_refused_with_a_clear_message(client, username):
    response = client.post(SIGNUP_URL, signup_data(username=username))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["username"]
    assert not User.objects.filter(email="newbie@example.com").exists()


@pytest.mark.django_db
def test_the_username_format_message_names_the_rule(client):
    response = client.post(SIGNUP_URL, signup_data(username="has space"))

    assert str(USERNAME_FORMAT_ERROR) in response.context["form"].errors["username"]


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["王小明", "li_na", "Bob_2024", "小猫咪_01"])
def test_chinese_characters_digits_and_underscores_are_fine(client, username):
    response = client.post(SIGNUP_URL, signup_data(username=username))

    assert response.status_code == 302
    assert User.objects.filter(username__iexact=username).exists()


@pytest.mark.django_db
def test_a_taken_username_is_refused_whatever_its_case(client, customer):
    response = client.post(SIGNUP_URL, signup_data(username="ALICE"))

    assert response.status_code == 200
    assert response.context["form"].errors["username"]
    assert User.objects.filter(username__iexact="alice").count() == 1


@pytest.mark.django_db
def test_a_taken_email_is_refused_with_a_message(client, customer):
    response = client.post(SIGNUP_URL, signup_data(email="ALICE@example.com"))

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not User.objects.filter(username="newbie").exists()


@pytest.mark.django_db
def test_mismatched_passwords_are_refused(client):
    response = client.post(SIGNUP_URL, signup_data(password2="something-else-123"))

    assert response.status_code == 200
    assert not User.objects.filter(username="newbie").exists()


@pytest.mark.django_db
def test_a_new_account_keeps_the_language_the_visitor_browsed_in(client):
    client.post(SIGNUP_URL, signup_data(), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    run_ready_tasks()

    user = User.objects.get(username="newbie")
    assert user.preferred_language == "zh-hans"
    assert "确认" in mail.outbox[0].subject + mail.outbox[0].body


@pytest.mark.django_db
def test_the_signup_form_works_without_javascript(client):
    response = client.get(SIGNUP_URL)

    html = response.content.decode()
    assert 'name="accept_rules"' in html
    assert 'data-live-check="username"' in html
    assert f'data-live-check-url="{reverse("accounts:live-check")}"' in html


# U+F900 is a compatibility ideograph: NFKC turns it into U+8C48, the same
# character as people read it. One name, however it was typed.
COMPATIBILITY_NAME = "\uf900\uf900\uf900"
UNIFIED_NAME = "\u8c48\u8c48\u8c48"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "second"),
    [(UNIFIED_NAME, COMPATIBILITY_NAME), (COMPATIBILITY_NAME, UNIFIED_NAME)],
)
def test_usernames_equal_under_nfkc_are_one_account(client, first, second):
    client.post(SIGNUP_URL, signup_data(username=first, email="one@example.com"))
    response = client.post(
        SIGNUP_URL, signup_data(username=second, email="two@example.com")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["username"]
    assert list(User.objects.values_list("username", flat=True)) == [UNIFIED_NAME]


@pytest.mark.django_db
def test_a_fullwidth_username_in_another_case_is_taken_too(client, customer):
    # "ＡＬＩＣＥ" (fullwidth capitals): NFKC gives "ALICE", case folding "alice".
    response = client.post(
        SIGNUP_URL, signup_data(username="\uff21\uff2c\uff29\uff23\uff25")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["username"]
    assert User.objects.count() == 1
