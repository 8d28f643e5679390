"""The user admin cannot be used to take an account over (issue 11, item 6)."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from accounts.services import (
    EMAIL_TAKEN_ERROR,
    user_request_email_change,
)
from accounts.tests.factories import DoctorFactory, TranslatorFactory, UserFactory
from core.background import run_ready_tasks


def _change_data(user, **changes):
    """The user change form as the admin page posts it, with `changes`."""
    data = {
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "phone": user.phone,
        "preferred_language": user.preferred_language,
        "is_active": "on" if user.is_active else "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


@pytest.fixture
def operator_client(client, db):
    operator = User.objects.create_superuser("root", "root@example.com", "x" * 14)
    client.force_login(operator)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("factory", [UserFactory, DoctorFactory, TranslatorFactory])
def test_a_doctor_cannot_change_anybodys_username_or_email(doctor_client, factory):
    victim = factory(username="victim", email="victim@example.com")
    url = reverse("admin:accounts_user_change", args=[victim.pk])

    form = doctor_client.get(url).context["adminform"].form
    doctor_client.post(
        url,
        _change_data(victim, username="mallory", email="mallory@evil.example"),
    )

    assert "username" not in form.fields
    assert "email" not in form.fields
    victim.refresh_from_db()
    assert (victim.username, victim.email) == ("victim", "victim@example.com")
    assert not EmailAddress.objects.filter(email="mallory@evil.example").exists()


@pytest.mark.django_db
def test_a_doctor_still_edits_the_rest_of_a_profile(doctor_client, customer):
    url = reverse("admin:accounts_user_change", args=[customer.pk])

    response = doctor_client.post(url, _change_data(customer, phone="021 5555 0100"))

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.phone == "021 5555 0100"


@pytest.mark.django_db
def test_a_doctor_cannot_change_their_own_username_or_email(doctor_client, doctor):
    url = reverse("admin:accounts_user_change", args=[doctor.pk])

    doctor_client.post(url, _change_data(doctor, email="other@example.com"))

    doctor.refresh_from_db()
    assert doctor.email == "chen@healingpaws.example"


@pytest.mark.django_db
def test_an_operators_email_change_waits_for_verification(operator_client, customer):
    url = reverse("admin:accounts_user_change", args=[customer.pk])

    response = operator_client.post(
        url, _change_data(customer, email="alice.new@example.com"), follow=True
    )
    run_ready_tasks()

    customer.refresh_from_db()
    assert customer.email == "alice@example.com"
    primary = EmailAddress.objects.get(user=customer, primary=True)
    assert (primary.email, primary.verified) == ("alice@example.com", True)
    pending = EmailAddress.objects.get(user=customer, email="alice.new@example.com")
    assert not pending.verified
    assert mail.outbox[-1].to == ["alice.new@example.com"]
    assert "A verification e-mail was sent to alice.new@example.com" in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_the_new_address_replaces_the_old_once_verified(
    operator_client, client, customer
):
    url = reverse("admin:accounts_user_change", args=[customer.pk])
    operator_client.post(url, _change_data(customer, email="alice.new@example.com"))
    run_ready_tasks()
    link = re.search(
        r"http://testserver(/accounts/confirm-email/\S+/)", mail.outbox[-1].body
    )

    client.post(link.group(1))

    customer.refresh_from_db()
    assert customer.email == "alice.new@example.com"
    assert list(
        EmailAddress.objects.filter(user=customer).values_list("email", "verified")
    ) == [("alice.new@example.com", True)]


@pytest.mark.django_db
def test_an_operator_cannot_give_an_account_another_accounts_address(
    operator_client, customer, other_customer
):
    url = reverse("admin:accounts_user_change", args=[customer.pk])

    response = operator_client.post(
        url, _change_data(customer, email="BOB@example.com")
    )

    assert str(EMAIL_TAKEN_ERROR) in response.content.decode()
    assert not EmailAddress.objects.filter(
        user=customer, email__iexact="bob@example.com"
    ).exists()


@pytest.mark.django_db
def test_the_email_change_service_refuses_an_address_in_use(
    customer, other_customer, rf
):
    with pytest.raises(ValidationError) as refused:
        user_request_email_change(
            user=customer, email="bob@example.com", request=rf.get("/")
        )

    assert EMAIL_TAKEN_ERROR in refused.value.message_dict["email"]


# --- password reset goes to verified addresses only ----------------------------


def _reset_links():
    return [
        message
        for message in mail.outbox
        if "/accounts/password/reset/key/" in message.body
    ]


@pytest.mark.django_db
def test_no_reset_link_goes_to_an_unverified_user_email(client):
    # As the admin hole left it: User.email changed, no verified address for it.
    user = UserFactory(username="victim", email="victim@example.com")
    User.objects.filter(pk=user.pk).update(email="mallory@evil.example")

    known = client.post(
        reverse("account_reset_password"), {"email": "mallory@evil.example"}
    )
    unknown = client.post(
        reverse("account_reset_password"), {"email": "nobody@example.com"}
    )
    run_ready_tasks()

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert _reset_links() == []


@pytest.mark.django_db
def test_no_reset_link_goes_to_an_address_waiting_for_verification(client, customer):
    EmailAddress.objects.create(user=customer, email="pending@example.com")

    client.post(reverse("account_reset_password"), {"email": "pending@example.com"})
    run_ready_tasks()

    assert _reset_links() == []


@pytest.mark.django_db
def test_a_reset_link_goes_to_the_verified_address(client, customer):
    client.post(reverse("account_reset_password"), {"email": "Alice@Example.com"})
    run_ready_tasks()

    assert [message.to for message in _reset_links()] == [["alice@example.com"]]


# --- usernames are one name whatever their Unicode spelling -------------------


@pytest.mark.django_db
def test_the_admin_refuses_a_username_taken_in_another_unicode_spelling(
    operator_client, customer
):
    UserFactory(username="\u8c48\u8c48\u8c48")
    url = reverse("admin:accounts_user_change", args=[customer.pk])

    response = operator_client.post(
        url, _change_data(customer, username="\uf900\uf900\uf900")
    )

    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.username == "alice"


@pytest.mark.django_db
def test_the_admin_refuses_a_new_user_named_like_another_in_another_spelling(
    operator_client,
):
    UserFactory(username="\u8c48\u8c48\u8c48")

    operator_client.post(
        reverse("admin:accounts_user_add"),
        {"username": "\uf900\uf900\uf900", "usable_password": "false"},
    )

    assert User.objects.filter(username__startswith="\u8c48").count() == 1
    assert not User.objects.filter(username__startswith="\uf900").exists()
