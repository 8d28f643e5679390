"""Fixtures shared by every app's tests."""

import contextlib
import os

import pytest
import pytest_asyncio
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.db import connections
from django.utils import translation

from accounts.tests.api import app_login
from accounts.tests.factories import (
    PASSWORD,
    DoctorFactory,
    TranslatorFactory,
    UserFactory,
)
from core import presence_store
from healingpaws.tests.clock import start_frozen_clock

# Modules whose tests depend on the day, the weekday or the hour: bin/test runs
# them again at fixed moments (healingpaws/tests/clock.py) with `-m calendar`.
# Of the browser journeys only the booking one: it picks a day ahead and its
# free times, where the queue journeys work on today's visits. A module with a
# few such tests among many that are not (the chat's sockets and threads,
# presence, the pet pages, the dashboard's socket) marks those few itself
# (@pytest.mark.calendar, with what date each reads), so that bin/test's three
# runs at fixed moments do not repeat the rest. A test reads the date when it
# books or makes a visit relative to today, shows an age, a time or a day, or
# touches the opening hours.
CALENDAR_MODULES = {
    "e2e/test_visit_journey.py",
    "healingpaws/tests/test_api_owner_journey.py",
    "pets/tests/test_ages.py",
    "pets/tests/test_models.py",
    "reservations/tests/test_admin.py",
    "reservations/tests/test_api.py",
    "reservations/tests/test_book_for.py",
    "reservations/tests/test_demo.py",
    "reservations/tests/test_queue.py",
    "reservations/tests/test_reminders.py",
    "reservations/tests/test_services.py",
    "reservations/tests/test_slots.py",
    "reservations/tests/test_views.py",
    "reservations/tests/test_waitlist.py",
}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "calendar: depends on the date; bin/test runs it at fixed dates"
    )
    start_frozen_clock()


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.path.relative_to(config.rootpath).as_posix()
        if path in CALENDAR_MODULES:
            item.add_marker(pytest.mark.calendar)


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
    # The navbar's counts and parts of pages are cached (core/generations.py)
    # with Redis only, which all processes share; a test is one process, so
    # its in-memory cache is shared too, and the tests see the pages as
    # production does.
    settings.GENERATIONS_CACHED = True
    # A test's transaction never commits, so a generation changed inside one
    # would stay "changing" (nothing kept) for the rest of the test: here it
    # changes to a plain new one; the guard has its own transactional tests
    # (core/tests/test_page_parts.py).
    settings.GENERATIONS_WAIT_FOR_COMMIT = False
    # E-mails go through the queue as in production (Django's test set-up puts
    # its outbox backend in EMAIL_BACKEND): run_ready_tasks() then delivers
    # them to mail.outbox.
    settings.EMAIL_BACKEND = "core.mail.QueuedEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Live pushes are sent right after the commit, in the test's process, as
    # without Redis; healingpaws/tests/test_live_lane.py sends them through a
    # real worker's live lane.
    settings.TASKS = {
        **settings.TASKS,
        "live": {"BACKEND": "core.background.AfterCommitBackend"},
    }
    # A staff session comes under the idle rule at its first request, those
    # of force_login too (accounts/sessions.py): tests that jump the clock
    # between a staff member's requests would be signed out. The idle
    # tests set the real timeout (accounts/tests/test_staff_idle.py).
    settings.STAFF_IDLE_TIMEOUT_SECONDS = 100 * 365 * 24 * 3600


# What migrate leaves that post_migrate would make again after a flush.
KEPT_BY_FLUSH = frozenset({"django_content_type", "auth_permission"})


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, tmp_path_factory
):
    """SQLite's test database in a file, as the site's own, not Django's
    shared in-memory one (the browser tests' server, another process, opens
    it too: e2e/conftest.py). There a connection
    that meets a table another has written to fails at once ("database table
    is locked": shared-cache locks ignore the timeout), and tests with
    threads or sockets at once failed now and then; in a file, writers wait
    their turn (healingpaws.backing_services.use_sqlite_locking), as the
    site's do. Unsafe writes: a test database outlives no crash."""
    db_settings = connections["default"].settings_dict
    test_settings = db_settings.setdefault("TEST", {})
    if db_settings["ENGINE"] == "django.db.backends.sqlite3" and not test_settings.get(
        "NAME"
    ):
        test_settings["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")
        options = db_settings.setdefault("OPTIONS", {})
        options["init_command"] = "PRAGMA synchronous = OFF"


@pytest.fixture(scope="session", autouse=True)
def _quick_flush():
    """After each transactional test (the sockets', the servers', the
    journeys') Django empties every table, then post_migrate makes the content
    types and the permissions again: 0.7 s a test, measured here, where the
    tests' own work is often less. The flush keeps those two tables instead,
    as migrate filled them (nothing here adds rows to them), so post_migrate
    finds everything there. Other rows migrations made (the Doctors group,
    the opening hours) still go, as before.

    On PostgreSQL, Django's flush is one TRUNCATE, which makes new files for
    each table and index (0.2-0.5 s); DELETE FROM each table takes 5 ms for
    the few rows a test leaves. The statements run in one transaction
    (execute_sql_flush) and Django's foreign keys are DEFERRABLE INITIALLY
    DEFERRED, so their order does not matter. SQLite's flush is DELETE
    already. A flush that resets sequences or cascades (none here) is left
    as it is."""
    from django.core.management.commands import flush

    django_sql_flush = flush.sql_flush

    def sql_flush(style, connection, reset_sequences=True, allow_cascade=False):
        if reset_sequences or allow_cascade:
            return django_sql_flush(
                style,
                connection,
                reset_sequences=reset_sequences,
                allow_cascade=allow_cascade,
            )
        tables = [
            table
            for table in connection.introspection.django_table_names(
                only_existing=True, include_views=False
            )
            if table not in KEPT_BY_FLUSH
        ]
        if connection.vendor != "postgresql":
            return connection.ops.sql_flush(style, tables)
        delete = style.SQL_KEYWORD("DELETE FROM")
        quote = connection.ops.quote_name
        return [f"{delete} {style.SQL_FIELD(quote(table))};" for table in tables]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(flush, "sql_flush", sql_flush)
        yield


@pytest.fixture(scope="session", autouse=True)
def _demo_reports_drawn_once():
    """seed_demo (ten tests, some of them in every run at a fixed moment)
    draws two lab reports with the Chinese font, half of its 6 s; they are
    the same two every time: each process draws them once and attaches the
    same bytes again (still through the upload's checks)."""
    from pets.record import demo_documents

    draw = demo_documents._report_pdf
    drawn = {}

    def report_pdf(title, lines):
        key = (title, tuple(lines))
        if key not in drawn:
            drawn[key] = draw(title, lines)
        return drawn[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo_documents, "_report_pdf", report_pdf)
        yield


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth's rate limits live in the cache: every test starts with none used.
    cache.clear()
    presence_store.memory_store.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    # The Redis layer binds its receive lock to the event loop of the sockets
    # using it, and every async test runs its own loop: a layer used by one
    # test's sockets (some still waiting when it ended) fails in the next.
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def _no_socket_outlives_its_test(request):
    """A consumer still running when an async test's event loop closes can
    hang pytest-asyncio's cancellation of the loop's tasks (seen in CI, in the
    teardown of socket tests): the sockets an async test leaves open are
    disconnected while its loop still runs."""
    if request.node.get_closest_marker("asyncio"):
        request.getfixturevalue("_open_sockets_disconnected")


@pytest_asyncio.fixture
async def _open_sockets_disconnected(monkeypatch):
    # pytest-asyncio finishes an async fixture before it closes the loop.
    opened = []
    start = WebsocketCommunicator.__init__

    def tracked(communicator, *args, **kwargs):
        start(communicator, *args, **kwargs)
        opened.append(communicator)

    monkeypatch.setattr(WebsocketCommunicator, "__init__", tracked)
    yield
    for communicator in opened:
        await _disconnect_if_running(communicator)


async def _disconnect_if_running(communicator):
    """Hang up as a browser leaving the page would, if the consumer still
    runs (a refused socket's does too, until the client hangs up)."""
    running = communicator._future  # None: never connected
    if running is None or running.done():
        return
    # disconnect() cancels a consumer that does not end within its timeout
    # (and raises TimeoutError); a consumer's own error is the test's to see.
    with contextlib.suppress(Exception):
        await communicator.disconnect()


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


@pytest.fixture(autouse=True)
def _english_after_each_test():
    # A request in Chinese leaves zh-hans active in the test's thread.
    yield
    translation.activate("en")


@pytest.fixture
def token(client, customer):
    """The customer's session token from the app's login (the API's tests)."""
    return app_login(client, customer)


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
