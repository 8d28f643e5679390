import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from accounts.roles import FRONT_DESK_GROUP
from accounts.tests.factories import UserFactory
from core.background import run_ready_tasks
from core.tests.mail import ACCEPTING, REFUSING, retries_due

LOGIN_URL = reverse("account_login")


@pytest.mark.django_db
@pytest.mark.parametrize("login", ["alice", "ALICE", "alice@example.com"])
def test_a_customer_logs_in_by_username_or_email_and_lands_on_my_pets(
    client, customer, password, login
):
    response = client.post(LOGIN_URL, {"login": login, "password": password})

    assert response.status_code == 302
    assert response["Location"] == reverse("pets:list")
    assert client.session[SESSION_KEY] == str(customer.pk)


@pytest.mark.django_db
def test_a_doctor_lands_on_the_dashboard(client, doctor, password):
    response = client.post(LOGIN_URL, {"login": doctor.username, "password": password})

    assert response["Location"] == reverse("admin:index")


@pytest.mark.django_db
def test_the_front_desk_lands_on_the_dashboard_with_its_account_links(client, password):
    desk = UserFactory(username="reception", is_staff=True)
    desk.groups.add(Group.objects.get(name=FRONT_DESK_GROUP))

    response = client.post(LOGIN_URL, {"login": "reception", "password": password})

    assert response["Location"] == reverse("admin:index")
    html = client.get(response["Location"]).content.decode()
    assert f'href="{reverse("mfa_index")}"' in html
    assert f'href="{reverse("usersessions_list")}"' in html


@pytest.mark.django_db
def test_without_remember_me_the_session_ends_with_the_browser(
    client, customer, password
):
    client.post(LOGIN_URL, {"login": "alice", "password": password})

    assert client.session.get_expire_at_browser_close()


@pytest.mark.django_db
def test_remember_me_keeps_the_session(client, customer, password):
    client.post(LOGIN_URL, {"login": "alice", "password": password, "remember": "on"})

    assert not client.session.get_expire_at_browser_close()


@pytest.mark.django_db
def test_a_wrong_password_is_refused(client, customer):
    response = client.post(LOGIN_URL, {"login": "alice", "password": "wrong"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_an_unverified_account_cannot_log_in(client, password):
    UserFactory(username="eve", email="eve@example.com", verified=False)

    response = client.post(LOGIN_URL, {"login": "eve", "password": password})

    assert response["Location"] == reverse("account_email_verification_sent")
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_failed_logins_are_rate_limited(client, customer):
    for _attempt in range(5):
        client.post(LOGIN_URL, {"login": "alice", "password": "wrong"})

    response = client.post(LOGIN_URL, {"login": "alice", "password": "wrong"})

    assert "Too many failed login attempts" in response.content.decode()


@pytest.mark.django_db
def test_logout_needs_a_post(customer_client):
    response = customer_client.get(reverse("account_logout"))
    assert response.status_code == 200  # a confirmation page, still logged in
    assert SESSION_KEY in customer_client.session

    response = customer_client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert SESSION_KEY not in customer_client.session


def _page(response):
    # The CSRF token is masked anew on every page.
    return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", response.text)


def _reset_link(message):
    return re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", message)


@pytest.mark.django_db
def test_password_reset_does_not_tell_whether_an_address_exists(client, customer):
    known = client.post(
        reverse("account_reset_password"), {"email": "alice@example.com"}
    )
    unknown = client.post(
        reverse("account_reset_password"), {"email": "nobody@example.com"}
    )
    run_ready_tasks()

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    # allauth tells an unknown address that it has no account: no link in it.
    links = [_reset_link(message.body) for message in mail.outbox]
    assert [message.to for message in mail.outbox] == [
        ["alice@example.com"],
        ["nobody@example.com"],
    ]
    assert links[0]
    assert not links[1]


@pytest.mark.django_db
def test_password_reset_answers_the_same_while_the_mail_server_refuses(
    client, customer, settings
):
    settings.EMAIL_DELIVERY_BACKEND = REFUSING
    url = reverse("account_reset_password")

    known = client.post(url, {"email": "alice@example.com"}, follow=True)
    unknown = client.post(url, {"email": "nobody@example.com"}, follow=True)
    run_ready_tasks()  # the worker's first attempts: refused

    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert known.redirect_chain[-1][0] == reverse("account_reset_password_done")
    assert _page(known) == _page(unknown)
    assert mail.outbox == []

    settings.EMAIL_DELIVERY_BACKEND = ACCEPTING
    retries_due()
    run_ready_tasks()

    sent = {message.to[0]: message for message in mail.outbox}
    assert sorted(sent) == ["alice@example.com", "nobody@example.com"]
    assert _reset_link(sent["alice@example.com"].body)


@pytest.mark.django_db
def test_a_reset_link_works_once(client, customer):
    client.post(reverse("account_reset_password"), {"email": "alice@example.com"})
    run_ready_tasks()
    link = _reset_link(mail.outbox[0].body).group(1)
    new_password = "a-brand-new-secret-phrase"

    form_url = client.get(link)["Location"]  # the key moves into the session
    response = client.post(
        form_url, {"password1": new_password, "password2": new_password}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.check_password(new_password)

    client.logout()
    second = client.get(link, follow=True)
    assert second.context["token_fail"]


@pytest.mark.django_db
def test_an_expired_reset_link_is_refused(client, customer, settings, monkeypatch):
    client.post(reverse("account_reset_password"), {"email": "alice@example.com"})
    run_ready_tasks()
    link = _reset_link(mail.outbox[0].body).group(1)
    settings.PASSWORD_RESET_TIMEOUT = -1  # every token is now too old

    response = client.get(link, follow=True)

    assert response.context["token_fail"]


@pytest.mark.django_db
def test_changing_the_password_needs_the_current_one(customer_client, customer):
    new = "another-long-passphrase"
    data = {"oldpassword": "not-my-password", "password1": new, "password2": new}

    response = customer_client.post(reverse("account_change_password"), data)

    assert response.context["form"].errors["oldpassword"]
    customer.refresh_from_db()
    assert not customer.check_password(new)


@pytest.mark.django_db
def test_a_customer_changes_their_password(customer_client, customer, password):
    new = "another-long-passphrase"
    data = {"oldpassword": password, "password1": new, "password2": new}

    response = customer_client.post(reverse("account_change_password"), data)

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.check_password(new)


@pytest.mark.django_db
def test_changing_the_email_asks_for_the_password_again(customer_client):
    response = customer_client.post(
        reverse("account_email"), {"action_add": "", "email": "new@example.com"}
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


@pytest.mark.django_db
def test_a_changed_email_must_be_verified_again(customer_client, customer, password):
    client = customer_client
    client.post(reverse("account_reauthenticate"), {"password": password})

    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "alice.new@example.com"}
    )
    run_ready_tasks()

    assert response.status_code == 302
    address = customer.emailaddress_set.get(email="alice.new@example.com")
    assert not address.verified
    assert mail.outbox[-1].to == ["alice.new@example.com"]


@pytest.mark.django_db
def test_a_username_logs_in_whatever_its_unicode_spelling(client, password):
    user = UserFactory(username="\u8c48\u8c48\u8c48")

    response = client.post(
        reverse("account_login"),
        {"login": "\uf900\uf900\uf900", "password": password},
    )

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)
