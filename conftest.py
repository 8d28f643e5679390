"""Fixtures shared by every app's tests."""

import os

import pytest
from channels.layers import channel_layers
from django.core.cache import cache

from accounts.tests.factories import (
    PASSWORD,
    DoctorFactory,
    TranslatorFactory,
    UserFactory,
)
from consultation import presence


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    # Uploaded files go to a fresh folder; static files need no manifest.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth's rate limits live in the cache: every test starts with none used.
    cache.clear()
    presence._memory_store.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    # The Redis layer binds its receive lock to the event loop of the sockets
    # using it, and every async test runs its own loop: a layer used by one
    # test's sockets (some still waiting when it ended) fails in the next.
    yield
    channel_layers.backends.clear()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def customer(db):
    return UserFactory(username="alice", email="alice@example.com")


@pytest.fixture
def other_customer(db):
    return UserFactory(username="bob", email="bob@example.com")


@pytest.fixture
def doctor(db):
    return DoctorFactory(username="dr_chen", email="chen@healingpaws.example")


@pytest.fixture
def translator(db):
    return TranslatorFactory(username="lin", email="lin@healingpaws.example")


@pytest.fixture
def customer_client(client, customer):
    client.force_login(customer)
    return client


@pytest.fixture
def doctor_client(client, doctor):
    client.force_login(doctor)
    return client


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (HEALINGPAWS_REQUIRE_SERVICES), a skipped test is a failed test:
    nothing may quietly skip for want of PostgreSQL, Redis or Chromium."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("HEALINGPAWS_REQUIRE_SERVICES") and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which must run everything: {report.longrepr}"
