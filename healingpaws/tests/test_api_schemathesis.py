"""Schemathesis against the API's own OpenAPI schema (/api/v1/schema/): for
every operation, generated requests (valid and invalid) from an owner's app
(session token) and from an integration key acting as a doctor, on a seeded
database. No answer may be a 5xx, and every answer must be documented: its
status code, its content type and its body's schema.

Run apart by bin/test (marker `schemathesis`); a bounded number of examples
per operation keeps it to a minute or two.
"""

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

from accounts.tests.api import app_login
from consultation.tests.factories import ThreadFactory
from core.api_keys import api_key_create
from core.integration_models import Scope
from pets.tests.factories import PetFactory
from reservations.tests.factories import make_visit

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]

EXAMPLES_PER_OPERATION = 6
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


@pytest.fixture
def seeded(client, customer, doctor):
    """An owner with pets, a visit and a consultation; a key with every
    scope acting as a doctor. Returns the headers of both."""
    pet = PetFactory(owner=customer, name="Mochi")
    PetFactory(owner=customer, name="Tofu")
    make_visit(pet)
    ThreadFactory(customer=customer, pet=pet)
    token = app_login(client, customer)
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
