"""The staff rules a session carries (issue 18): whether its account is
staff's is decided once per session, not by a query on every page of every
customer, and decided again when the account's groups change (however the
session was signed in, and even if a request in flight saves the old decision
back); a staff session without the idle rule's mark (from before the rule,
or an account made staff since its sign-in) comes under it at its next
request."""

import datetime

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import DOCTORS_GROUP, TRANSLATORS_GROUP
from accounts.second_factor import STAFF_DECISION_KEY
from accounts.sessions import STAFF_IDLE_KEY
from accounts.tests.second_factor import (
    log_in_with_password,
    totp_code,
    with_totp,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _the_real_idle_timeout(settings):
    settings.STAFF_IDLE_TIMEOUT_SECONDS = 30 * 60  # the default (conftest raises it)


ADMIN_URL = reverse("admin:index")
PAGE = reverse("pets:list")


def _queries_of(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured]


def test_a_customers_page_costs_no_query_for_the_staff_rule(
    client, customer, password, settings, django_assert_num_queries
):
    log_in_with_password(client, customer, password)
    settings.MFA_REQUIRED_FOR_STAFF = False
    client.get(PAGE)
    without_rule = _queries_of(client, PAGE)

    settings.MFA_REQUIRED_FOR_STAFF = True
    with django_assert_num_queries(len(without_rule)) as captured:
        client.get(PAGE)

    assert not [query for query in captured if "auth_group" in query["sql"]]
    assert client.session[STAFF_DECISION_KEY] == [customer.pk, False, 0]


def test_a_session_from_before_the_decision_decides_once(client, customer, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    client.force_login(customer)  # no decision in it, as before this rule
    first = _queries_of(client, PAGE)
    second = _queries_of(client, PAGE)

    assert [sql for sql in first if "auth_group" in sql]
    assert not [sql for sql in second if "auth_group" in sql]
    assert len(second) < len(first)


def test_a_customer_made_translator_must_set_up_a_factor_at_the_next_page(
    client, customer, password, settings
):
    settings.MFA_REQUIRED_FOR_STAFF = True
    log_in_with_password(client, customer, password)
    assert client.get(PAGE).status_code == 200

    translators, _created = Group.objects.get_or_create(name=TRANSLATORS_GROUP)
    customer.groups.add(translators)
    held = client.get(PAGE)
    customer.groups.remove(translators)
    freed = client.get(PAGE)

    assert held.status_code == 302
    assert held["Location"] == reverse("mfa_index")
    assert freed.status_code == 200


def test_a_group_emptied_from_its_side_is_decided_again_too(
    client, customer, password, settings
):
    settings.MFA_REQUIRED_FOR_STAFF = True
    translators, _created = Group.objects.get_or_create(name=TRANSLATORS_GROUP)
    customer.groups.add(translators)
    log_in_with_password(client, customer, password)
    assert client.get(PAGE).status_code == 302

    translators.user_set.clear()

    assert client.get(PAGE).status_code == 200


def test_a_session_allauth_keeps_no_row_of_is_decided_again_too(
    client, customer, settings
):
    settings.MFA_REQUIRED_FOR_STAFF = True
    client.force_login(customer)  # no allauth row of this session
    assert client.get(PAGE).status_code == 200

    translators, _created = Group.objects.get_or_create(name=TRANSLATORS_GROUP)
    customer.groups.add(translators)

    held = client.get(PAGE)
    assert held.status_code == 302
    assert held["Location"] == reverse("mfa_index")


def test_a_decision_saved_back_by_a_request_in_flight_is_decided_again(
    client, customer, password, settings
):
    settings.MFA_REQUIRED_FOR_STAFF = True
    log_in_with_password(client, customer, password)
    assert client.get(PAGE).status_code == 200
    in_flight = dict(client.session.items())  # read before the change

    translators, _created = Group.objects.get_or_create(name=TRANSLATORS_GROUP)
    customer.groups.add(translators)
    session = client.session  # ... and saved after it, old decision and all
    session.update(in_flight)
    session.save()
    assert client.session[STAFF_DECISION_KEY][1] is False

    assert client.get(PAGE)["Location"] == reverse("mfa_index")


# --- sessions without the idle rule's mark ---------------------------------------


def _from_before_the_rule(client, user):
    """A session as one signed in before the idle rule carries it: without
    the rule's mark, the expiry of "remember me"."""
    client.force_login(user)
    session = client.session
    session.pop(STAFF_IDLE_KEY, None)
    session.set_expiry(None)
    session.save()
    assert client.session.get_expiry_age() == 14 * 24 * 3600


def test_a_staff_session_from_before_the_rule_times_out_from_its_next_request(
    client, doctor
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _from_before_the_rule(client, doctor)

        kept = client.get(ADMIN_URL)  # not signed out for it
        marked = client.session
        clock.shift(datetime.timedelta(minutes=20))
        worked = client.get(ADMIN_URL)
        clock.shift(datetime.timedelta(minutes=31))
        idle = client.get(ADMIN_URL)

    assert kept.status_code == 200
    assert STAFF_IDLE_KEY in marked
    assert marked.get_expiry_age() == 30 * 60
    assert worked.status_code == 200
    assert idle.status_code == 302
    assert SESSION_KEY not in client.session


def test_a_staff_session_from_before_the_rule_only_redrawing_itself_times_out(
    client, doctor, settings
):
    settings.MFA_REQUIRED_FOR_STAFF = False  # the idle rule alone
    redraw = {"X-Live-Refresh": "1"}
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _from_before_the_rule(client, doctor)

        first = client.get(ADMIN_URL, headers=redraw)  # the rule starts here
        marked = client.session
        later = []
        for minutes in (10, 10, 9):  # an unattended dashboard: redraws only
            clock.shift(datetime.timedelta(minutes=minutes))
            later.append(client.get(ADMIN_URL, headers=redraw).status_code)
        clock.shift(datetime.timedelta(minutes=2))  # 31 minutes after the first
        idle = client.get(ADMIN_URL, headers=redraw)

    assert first.status_code == 200
    assert STAFF_IDLE_KEY in marked
    assert marked.get_expiry_age() == 30 * 60
    assert later == [200, 200, 200]
    assert idle.status_code == 302
    assert SESSION_KEY not in client.session


def test_a_customers_session_from_before_the_rule_keeps_its_expiry(client, customer):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _from_before_the_rule(client, customer)
        client.get(PAGE)
        clock.shift(datetime.timedelta(days=3))

        response = client.get(PAGE)

    assert response.status_code == 200
    assert STAFF_IDLE_KEY not in client.session


def test_a_staff_session_coming_under_the_rule_far_from_its_sign_in_is_kept(
    client, doctor
):
    _from_before_the_rule(client, doctor)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3)):
        response = client.get(ADMIN_URL)  # the rule starts: no sign-out

    assert response.status_code == 200
    assert SESSION_KEY in client.session


def test_a_customer_made_doctor_after_signing_in_comes_under_the_idle_rule(
    client, customer, password, settings
):
    settings.MFA_REQUIRED_FOR_STAFF = False  # the idle rule alone
    with time_machine.travel(timezone.now(), tick=False) as clock:
        log_in_with_password(client, customer, password)
        assert client.get(PAGE).status_code == 200
        _make_doctor(customer)
        assert client.get(ADMIN_URL).status_code == 200
        clock.shift(datetime.timedelta(hours=5))

        idle = client.get(ADMIN_URL)

    assert idle.status_code == 302
    assert SESSION_KEY not in client.session


def test_a_customer_made_doctor_who_proves_a_second_factor_comes_under_it_too(
    client, customer, password, settings
):
    settings.MFA_REQUIRED_FOR_STAFF = True
    with time_machine.travel(timezone.now(), tick=False) as clock:
        log_in_with_password(client, customer, password)
        assert client.get(PAGE).status_code == 200
        _make_doctor(customer)
        secret = with_totp(customer)
        held = client.get(ADMIN_URL)
        proved = client.post(reverse("mfa_reauthenticate"), {"code": totp_code(secret)})
        assert client.get(ADMIN_URL).status_code == 200
        clock.shift(datetime.timedelta(hours=5))

        idle = client.get(ADMIN_URL)

    assert "reauthenticate" in held["Location"]
    assert proved.status_code == 302
    assert idle.status_code == 302
    assert SESSION_KEY not in client.session


def _make_doctor(user):
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get_or_create(name=DOCTORS_GROUP)[0])
