"""Schemathesis against the API's own OpenAPI schema (/api/v1/schema/): for
every operation, generated requests (valid and invalid), once with an owner's
token and once with a doctor's (got through the second-factor stage), each
beside an integration key acting as a doctor, on a seeded database. No
answer may be a 5xx, and every answer must be documented: its status code,
its content type and its body's schema.

Run apart by bin/test (marker `schemathesis`); a bounded number of examples
per operation keeps both runs to about three minutes.
"""

import datetime

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.tests.api import app_login, staff_app_login
from accounts.tests.factories import DoctorFactory
from accounts.tests.second_factor import with_totp
from consultation.tests.factories import MessageFactory, ThreadFactory
from core.api_keys import api_key_create
from core.integration_models import Scope
from pets.tests.factories import PetFactory
from reservations.states import State, Triage
from reservations.tests.factories import make_visit, today_at

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]

# Two runs (an owner's token, a doctor's): 4 each took about as long as 6
# for one.
EXAMPLES_PER_OPERATION = 4
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _connections_kept_open(seeded):
    """As Django's test client does: a request through the WSGI app would
    close "old" connections at its start and end, the test's own among them
    (with PostgreSQL: "Cannot open a new connection in an atomic block").
    After `seeded`, whose login through the test client connects them back."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _seed_account(user, doctor):
    """Pets with visits in several states (one ongoing per pet) and a
    consultation with messages from both sides, all the user's own."""
    day = datetime.timedelta(days=1)
    mochi = PetFactory(owner=user, name="Mochi")
    tofu = PetFactory(owner=user, name="Tofu")
    bao = PetFactory(owner=user, name="Bao")
    make_visit(mochi, starts_at=today_at(9) - day, state=State.FINISHED)
    make_visit(mochi, starts_at=today_at(10), state=State.CONFIRMED)
    make_visit(
        tofu, starts_at=today_at(10), state=State.CHECKED_IN, triage=Triage.STANDARD
    )
    make_visit(bao, starts_at=today_at(11) + day, state=State.CANCELLED)
    make_visit(bao, starts_at=today_at(11) + day)
    thread = ThreadFactory(customer=user, pet=mochi)
    for sender in (user, doctor, user):
        MessageFactory(thread=thread, sender=sender)


@pytest.fixture(params=["owner", "doctor"])
def seeded(request, client, customer, doctor, settings):
    """An owner's or a doctor's token (each with pets, visits in several
    states and a consultation of their own), and a key with every scope
    acting as a doctor. Returns the headers of both."""
    settings.MFA_REQUIRED_FOR_STAFF = True
    colleague = DoctorFactory(username="dr_wu")
    _seed_account(customer, doctor)
    if request.param == "owner":
        token = app_login(client, customer)
    else:
        _seed_account(doctor, colleague)
        token = staff_app_login(client, doctor, with_totp(doctor))
    _row, key = api_key_create(
        name="Schemathesis", scopes=list(Scope.values), acts_as=doctor
    )
    # Both at once: an owner endpoint reads the token, an integration
    # endpoint the key; each ignores the other's header.
    return {"X-Session-Token": token, "Authorization": f"Api-Key {key}"}


# Loaded when the module is collected: the schema view reads no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_is_documented_and_none_is_a_server_error(case, seeded):
    # The throttles and allauth's limits count in the cache: every example
    # starts with none used, so answers are about the input, not the rate.
    cache.clear()
    case.call_and_validate(headers=seeded, checks=CHECKS)
