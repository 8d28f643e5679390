"""The dashboard's login: credentials are read by allauth's login only."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory

OPERATOR_PASSWORD = "operator-password-77"


@pytest.fixture
def operator(db):
    return User.objects.create_superuser(
        "root", "root@healingpaws.example", OPERATOR_PASSWORD
    )


@pytest.fixture
def staff(db):
    # Staff without the doctor role: allauth's secure_admin_login let them in.
    return UserFactory(username="desk", is_staff=True)


def _post_credentials(client, username, password):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
    )


def test_a_signed_in_staff_member_cannot_log_in_as_an_operator_in_the_admin(
    client, staff, operator
):
    client.force_login(staff)

    response = _post_credentials(client, "root", OPERATOR_PASSWORD)

    assert response.status_code == 403
    assert client.session[SESSION_KEY] == str(staff.pk)


def test_a_signed_in_customer_gets_403_from_the_admin_login(customer_client, customer):
    response = customer_client.get(reverse("admin:login"))

    assert response.status_code == 403
    assert customer_client.session[SESSION_KEY] == str(customer.pk)


def test_a_visitor_posting_credentials_to_the_admin_login_is_not_logged_in(
    client, operator
):
    response = _post_credentials(client, "root", OPERATOR_PASSWORD)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")
    assert SESSION_KEY not in client.session


def test_a_visitor_is_sent_to_the_site_login_and_back_to_the_page_asked_for(client):
    target = reverse("admin:accounts_user_changelist")

    response = client.get(reverse("admin:login"), {"next": target})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=" + target


def test_a_signed_in_doctor_goes_from_the_admin_login_to_the_dashboard(doctor_client):
    response = doctor_client.post(
        reverse("admin:login"), {"username": "root", "password": "guess"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_the_admin_password_change_is_allauths_page(doctor_client, doctor):
    response = doctor_client.post(
        reverse("admin:password_change"),
        {"old_password": "guess", "new_password1": "x", "new_password2": "x"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_change_password")
