"""The user admin's change form writes through the services: activation,
the doctor role and the other groups, staff and superuser (issue 12)."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from accounts import services
from accounts.models import User
from accounts.roles import DOCTORS_GROUP, TRANSLATORS_GROUP
from accounts.tests.factories import UserFactory


@pytest.fixture
def sockets_closed(monkeypatch):
    """The users whose sockets were told to close (session.end), in order."""
    closed = []
    monkeypatch.setattr("accounts.notifications._end_sessions", closed.append)
    return closed


@pytest.fixture
def operator_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _post_form(client, user, **changes):
    """The user's change page posted back as it was drawn, with `changes`
    (False unticks a box; groups as a list of names)."""
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value not in (None, False)
        and name not in ("password", "last_login", "groups", "date_joined")
    }
    data["groups"] = [group.pk for group in user.groups.all()]
    if "groups" in changes:
        names = changes.pop("groups")
        data["groups"] = list(
            Group.objects.filter(name__in=names).values_list("pk", flat=True)
        )
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return client.post(url, data)


@pytest.mark.django_db
def test_unticking_active_deactivates_through_the_service(
    operator_client, customer, sockets_closed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_form(operator_client, customer, is_active=False)

    assert response.status_code == 302
    assert not User.objects.get(pk=customer.pk).is_active
    assert sockets_closed == [customer.pk]


@pytest.mark.django_db
def test_ticking_active_lets_a_deactivated_user_in_again(operator_client, customer):
    services.user_deactivate(user=customer)

    response = _post_form(operator_client, customer, is_active="on")

    assert response.status_code == 302
    assert User.objects.get(pk=customer.pk).is_active


@pytest.mark.django_db
def test_a_doctor_deactivates_a_customer_on_the_form(doctor_client, customer):
    response = _post_form(doctor_client, customer, is_active=False)

    assert response.status_code == 302
    assert not User.objects.get(pk=customer.pk).is_active


@pytest.mark.django_db
def test_the_doctors_group_with_staff_makes_a_doctor(operator_client, customer):
    response = _post_form(
        operator_client, customer, is_staff="on", groups=[DOCTORS_GROUP]
    )

    assert response.status_code == 302
    assert User.objects.get(pk=customer.pk).is_doctor


@pytest.mark.django_db
def test_the_forms_ticks_have_the_last_word_over_the_role_services(
    operator_client, customer
):
    # Promotion makes staff, but the operator left staff unticked.
    _post_form(operator_client, customer, groups=[DOCTORS_GROUP, TRANSLATORS_GROUP])

    user = User.objects.get(pk=customer.pk)
    assert not user.is_staff
    assert not user.is_doctor
    assert set(user.groups.values_list("name", flat=True)) == {
        DOCTORS_GROUP,
        TRANSLATORS_GROUP,
    }


@pytest.mark.django_db
def test_leaving_the_doctors_group_on_the_form_demotes_and_closes_sockets(
    operator_client, doctor, sockets_closed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_form(operator_client, doctor, groups=[])

    assert response.status_code == 302
    user = User.objects.get(pk=doctor.pk)
    assert not user.is_doctor
    assert user.is_staff  # still ticked on the form
    assert sockets_closed == [doctor.pk]


@pytest.mark.django_db
def test_the_access_service_closes_sockets_only_for_what_is_lost(
    customer, sockets_closed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.user_set_access(
            user=customer, is_staff=True, is_superuser=False, groups=[]
        )
    assert sockets_closed == []

    with django_capture_on_commit_callbacks(execute=True):
        services.user_set_access(
            user=customer, is_staff=False, is_superuser=False, groups=[]
        )
    assert sockets_closed == [customer.pk]


@pytest.mark.django_db
def test_create_doctor_verifies_the_existing_accounts_address(customer):
    EmailAddress.objects.filter(user=customer).update(verified=False)

    call_command("create_doctor", "alice@example.com")

    assert EmailAddress.objects.get(user=customer, email="alice@example.com").verified
    assert User.objects.get(pk=customer.pk).is_doctor


@pytest.mark.django_db
def test_an_operator_still_adds_a_user_without_a_password(operator_client):
    response = operator_client.post(
        reverse("admin:accounts_user_add"),
        {"username": "newcomer", "usable_password": "false"},
    )

    assert response.status_code == 302
    assert not User.objects.get(username="newcomer").has_usable_password()
