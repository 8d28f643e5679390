import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from accounts.roles import (
    DOCTORS_GROUP,
    FRONT_DESK_GROUP,
    TRANSLATORS_GROUP,
    is_doctor,
    is_front_desk,
    load_roles,
)
from accounts.tests.factories import UserFactory
from core.background import run_ready_tasks
from core.tests.images import png


def test_the_role_groups_and_doctor_permissions_come_from_a_migration(db):
    doctors = Group.objects.get(name=DOCTORS_GROUP)
    codenames = set(doctors.permissions.values_list("codename", flat=True))

    assert {"view_user", "change_user"} <= codenames
    assert Group.objects.filter(name=TRANSLATORS_GROUP).exists()


@pytest.fixture
def doctor_emails(settings):
    settings.HEALINGPAWS_DOCTOR_EMAILS = ["house@healingpaws.example"]


@pytest.mark.django_db
def test_a_listed_email_becomes_a_doctor_when_verified_at_signup(client, doctor_emails):
    client.post(
        reverse("account_signup"),
        {
            "username": "house",
            "email": "House@healingpaws.example",
            "password1": "vicodin-and-puzzles-42",
            "password2": "vicodin-and-puzzles-42",
            "accept_rules": "on",
        },
    )
    run_ready_tasks()
    user = User.objects.get(username="house")
    assert not user.is_doctor  # not before the address is proven

    link = re.search(r"/accounts/confirm-email/[^/\s]+/", mail.outbox[0].body)
    client.post(link.group(0))

    user.refresh_from_db()
    assert user.is_staff
    assert user.groups.filter(name=DOCTORS_GROUP).exists()
    assert not user.is_superuser


@pytest.mark.django_db
def test_an_existing_account_becomes_a_doctor_at_its_next_login(
    client, doctor_emails, password
):
    user = UserFactory(username="house", email="house@healingpaws.example")
    assert not user.is_staff

    response = client.post(
        reverse("account_login"), {"login": "house", "password": password}
    )

    user.refresh_from_db()
    assert user.is_staff
    assert response["Location"] == reverse("admin:index")


@pytest.mark.django_db
def test_an_unlisted_account_stays_a_customer_at_login(client, customer, password):
    client.post(reverse("account_login"), {"login": "alice", "password": password})

    customer.refresh_from_db()
    assert not customer.is_staff


@pytest.mark.django_db
def test_create_doctor_makes_a_new_verified_doctor_without_a_password():
    call_command("create_doctor", "Grey@HealingPaws.example")

    user = User.objects.get(email="grey@healingpaws.example")
    assert user.is_doctor
    assert not user.has_usable_password()
    assert EmailAddress.objects.get(user=user).verified


@pytest.mark.django_db
def test_create_doctor_promotes_an_existing_account(customer):
    call_command("create_doctor", "alice@example.com")

    customer.refresh_from_db()
    assert customer.is_doctor


@pytest.mark.django_db
def test_create_doctor_dry_run_changes_nothing(customer, capsys):
    call_command("create_doctor", "alice@example.com", "--dry-run")

    customer.refresh_from_db()
    assert not customer.is_staff
    assert "Would promote alice" in capsys.readouterr().out


@pytest.mark.django_db
def test_create_doctor_refuses_a_malformed_address():
    with pytest.raises(CommandError):
        call_command("create_doctor", "not-an-address")


@pytest.mark.django_db
def test_seed_demo_creates_every_role_once(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")

    assert User.objects.get(username="dr_chen").is_doctor
    assert User.objects.get(username="translator").groups.filter(name=TRANSLATORS_GROUP)
    assert User.objects.customers().count() == 3  # alice, xiaoming, translator
    assert "healingpaws-demo" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not User.objects.exists()


# --- the admin is for doctors --------------------------------------------------


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_site_login(client):
    response = client.get(reverse("admin:index"), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["admin:index", "admin:accounts_user_changelist"])
def test_a_customer_never_reaches_the_admin(customer_client, page):
    response = customer_client.get(reverse(page), follow=True)

    assert response.status_code == 403
    assert "alice@example.com" not in response.content.decode()


@pytest.mark.django_db
def test_a_translator_never_reaches_the_admin(client, translator):
    client.force_login(translator)

    response = client.get(reverse("admin:index"), follow=True)

    assert response.status_code == 403


@pytest.mark.django_db
def test_a_doctor_reaches_the_dashboard_without_being_superuser(doctor_client, doctor):
    response = doctor_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert not doctor.is_superuser
    assert "Healing Paws — Doctor Dashboard" in response.content.decode()


@pytest.mark.django_db
def test_a_doctor_can_look_after_accounts(doctor_client, customer):
    response = doctor_client.get(
        reverse("admin:accounts_user_changelist"), {"q": "alice"}
    )

    assert response.status_code == 200
    assert "alice@example.com" in response.content.decode()


@pytest.mark.django_db
def test_a_doctor_cannot_grant_themselves_superuser(doctor_client, doctor):
    url = reverse("admin:accounts_user_change", args=[doctor.pk])
    form = doctor_client.get(url).context["adminform"].form

    assert "is_superuser" not in form.fields
    assert "groups" not in form.fields


@pytest.mark.django_db
def test_a_doctor_cannot_set_another_users_password(doctor_client, customer):
    url = reverse("admin:auth_user_password_change", args=[customer.pk])

    assert doctor_client.get(url).status_code == 403


@pytest.mark.django_db
def test_a_doctor_cannot_edit_an_operator(doctor_client):
    operator = User.objects.create_superuser("root", "root@example.com", "x" * 12)

    response = doctor_client.post(
        reverse("admin:accounts_user_change", args=[operator.pk]),
        {"username": "hijacked"},
    )

    operator.refresh_from_db()
    assert response.status_code == 403
    assert operator.username == "root"


@pytest.mark.django_db
def test_doctors_promote_and_deactivate_from_the_user_list(
    doctor_client, customer, other_customer
):
    url = reverse("admin:accounts_user_changelist")
    doctor_client.post(
        url, {"action": "promote_to_doctor", "_selected_action": [customer.pk]}
    )
    doctor_client.post(
        url, {"action": "deactivate", "_selected_action": [other_customer.pk]}
    )

    customer.refresh_from_db()
    other_customer.refresh_from_db()
    assert customer.is_doctor
    assert not other_customer.is_active


@pytest.mark.django_db
def test_a_deactivated_user_is_logged_out(client, customer):
    client.force_login(customer)
    customer.is_active = False
    customer.save()

    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 302


# --- rosetta is for translators ------------------------------------------------


ROSETTA_URL = "/rosetta/files/project/"


@pytest.mark.django_db
def test_a_translator_reaches_the_project_catalogs(client, translator):
    client.force_login(translator)

    response = client.get(ROSETTA_URL)

    assert response.status_code == 200
    assert "zh_Hans" in response.content.decode() or "Simplified" in (
        response.content.decode()
    )


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["customer", "doctor"])
@pytest.mark.parametrize("url", ["/rosetta/", ROSETTA_URL])
def test_customers_and_doctors_get_the_sites_403_page_from_rosetta(
    client, request, who, url
):
    # Sent to the login page, they were sent straight back: a redirect loop.
    client.force_login(request.getfixturevalue(who))

    response = client.get(url, follow=True)

    assert response.status_code == 403
    assert "Your account cannot open this page." in response.content.decode()


@pytest.mark.django_db
def test_visitors_are_sent_from_rosetta_to_the_site_login(client):
    response = client.get(ROSETTA_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


@pytest.mark.django_db
@pytest.mark.parametrize("catalogs", ["all", "django", "third-party"])
def test_translators_cannot_open_third_party_catalogs(client, translator, catalogs):
    client.force_login(translator)

    assert client.get(f"/rosetta/files/{catalogs}/").status_code == 404


@pytest.mark.django_db
def test_the_user_list_shows_avatars_or_initials(doctor_client, customer, doctor):
    customer.display_name = "Alice Morgan"
    customer.save()
    doctor_client.post(reverse("accounts:avatar-upload"), {"avatar": png()})

    html = doctor_client.get(reverse("admin:accounts_user_changelist")).content.decode()

    assert ">AM</span>" in html
    assert reverse("accounts:avatar-thumbnail", args=[doctor.pk]) + "?v=" in html


# --- losing a role closes the user's open sockets ------------------------------------


@pytest.fixture
def sockets_closed(monkeypatch):
    """The users whose sockets were told to close (session.end), in order."""
    closed = []
    monkeypatch.setattr("accounts.notifications._end_sessions", closed.append)
    return closed


def _lose_the_role_by_the_service(doctor):
    from accounts.services import user_demote_from_doctor

    user_demote_from_doctor(user=doctor)


def _lose_the_role_in_the_admin_form(doctor):
    doctor.groups.set([])


def _lose_the_role_from_the_groups_side(doctor):
    Group.objects.get(name=DOCTORS_GROUP).user_set.remove(doctor)


def _lose_every_member_of_the_group(doctor):
    Group.objects.get(name=DOCTORS_GROUP).user_set.clear()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "lose",
    [
        _lose_the_role_by_the_service,
        _lose_the_role_in_the_admin_form,
        _lose_the_role_from_the_groups_side,
        _lose_every_member_of_the_group,
    ],
    ids=["service", "user's groups set", "group's user_set", "group cleared"],
)
def test_losing_the_doctor_role_closes_the_users_sockets_once_after_the_commit(
    doctor, sockets_closed, django_capture_on_commit_callbacks, lose
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        lose(doctor)
        assert sockets_closed == []  # not before the commit

    assert sockets_closed == [doctor.pk]


@pytest.mark.django_db
def test_a_rolled_back_demotion_closes_no_socket(
    doctor, sockets_closed, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError, match="rolled back"),
    ):
        _lose_the_role_then_roll_back(doctor)

    assert sockets_closed == []
    assert User.objects.get(pk=doctor.pk).is_doctor


def _lose_the_role_then_roll_back(doctor):
    with transaction.atomic():
        _lose_the_role_by_the_service(doctor)
        raise RuntimeError("rolled back")


@pytest.mark.django_db
def test_unticking_staff_in_the_user_form_closes_the_users_sockets(
    client, doctor, sockets_closed, django_capture_on_commit_callbacks
):
    operator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)
    url = reverse("admin:accounts_user_change", args=[doctor.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("password", "last_login", "groups")
    }
    data.update(
        groups=[group.pk for group in doctor.groups.all()],  # kept as they are
        date_joined_0=doctor.date_joined.strftime("%Y-%m-%d"),
        date_joined_1=doctor.date_joined.strftime("%H:%M:%S"),
    )
    del data["is_staff"]  # unticked

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not User.objects.get(pk=doctor.pk).is_staff
    assert sockets_closed == [doctor.pk]


@pytest.mark.parametrize("group", [DOCTORS_GROUP, FRONT_DESK_GROUP, None])
def test_load_roles_gives_the_roles_and_permissions_django_would_read(db, group):
    member = UserFactory(is_staff=True)
    if group:
        member.groups.add(Group.objects.get(name=group))
    member.user_permissions.add(Permission.objects.get(codename="view_accesslog"))

    loaded = User.objects.get(pk=member.pk)
    with CaptureQueriesContext(connection) as queries:
        load_roles(loaded)
        roles = (is_doctor(loaded), is_front_desk(loaded))
        permissions = loaded.get_all_permissions()
        may_change_visits = loaded.has_perm("reservations.change_reservation")
    plain = User.objects.get(pk=member.pk)

    assert len(queries) == 1
    assert roles == (is_doctor(plain), is_front_desk(plain))
    assert roles == (group == DOCTORS_GROUP, group == FRONT_DESK_GROUP)
    assert permissions == plain.get_all_permissions()
    assert "accounts.view_accesslog" in permissions
    assert may_change_visits == plain.has_perm("reservations.change_reservation")
    assert loaded.get_group_permissions() == plain.get_group_permissions()
    assert loaded.get_user_permissions() == plain.get_user_permissions()
