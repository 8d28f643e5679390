"""The staff rules a session carries (issue 18): whether its account is
staff's is decided once per session, not by a query on every page of every
customer, and decided again when the account's groups change; a staff
session from before the idle rule comes under it at its next request."""

import datetime

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import TRANSLATORS_GROUP
from accounts.second_factor import STAFF_DECISION_KEY
from accounts.sessions import SIGNED_IN_UNDER_RULE_KEY, STAFF_IDLE_KEY
from accounts.tests.second_factor import log_in_with_password

pytestmark = pytest.mark.django_db

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
    assert client.session[STAFF_DECISION_KEY] == [customer.pk, False]


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


# --- sessions from before the idle rule ------------------------------------------


def _from_before_the_rule(client, user):
    """A session as one signed in before the idle rule carries it: neither
    the rule's mark nor the sign-in's."""
    client.force_login(user)
    session = client.session
    session.pop(SIGNED_IN_UNDER_RULE_KEY)
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


def test_a_customers_session_from_before_the_rule_keeps_its_expiry(client, customer):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _from_before_the_rule(client, customer)
        client.get(PAGE)
        clock.shift(datetime.timedelta(days=3))

        response = client.get(PAGE)

    assert response.status_code == 200
    assert STAFF_IDLE_KEY not in client.session


def test_a_staff_sign_in_today_is_not_taken_for_one_from_before_the_rule(
    client, doctor
):
    client.force_login(doctor)
    client.get(ADMIN_URL)

    assert client.session.get(SIGNED_IN_UNDER_RULE_KEY) is True
    assert STAFF_IDLE_KEY not in client.session  # no write of the session
