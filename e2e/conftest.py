"""Fixtures for the browser journeys: daphne and the background worker on the
test database, Chromium, mail.

Run them in their own invocation, ``pytest -m e2e e2e/``: sync Playwright keeps an
event loop running in the main thread, which the async tests must not share.
Nothing here runs in the ``-m "not e2e"`` suite; every fixture is lazy.
"""

import itertools
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import sync_playwright

from healingpaws.tests.clock import ENV_NAME as CLOCK_ENV_NAME
from healingpaws.tests.clock import frozen_moment
from healingpaws.tests.servers import HOST, PROJECT_DIR, free_port, running

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"


# Debian's Chromium; `playwright install` is never run (see PITFALLS.md).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Django's file e-mail backend writes each message followed by this line.
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


# ---------------------------------------------------------------------------
# The server: daphne and the worker in child processes, on the test database
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveServer:
    url: str
    mail_dir: Path
    log_path: Path


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """Name the test database so that a second process can open it.

    SQLite's is a file already (the root conftest's fixture, which this one
    extends). On PostgreSQL the name carries the process id: two runs at once
    (the other suite, a colleague's e2e run) would otherwise drop each
    other's database. An explicit TEST_DATABASE_NAME wins. (Under
    pytest-xdist the name it would have, test_<name>_gw0, is set by now: that
    is not explicit.)
    """
    db_settings = connections["default"].settings_dict
    if db_settings["ENGINE"] != "django.db.backends.sqlite3" and not os.environ.get(
        "TEST_DATABASE_NAME"
    ):
        db_settings["TEST"]["NAME"] = f"test_{db_settings['NAME']}_e2e_{os.getpid()}"


@pytest.fixture(scope="session")
def daphne_server(django_db_setup, tmp_path_factory):
    """The whole ASGI application served by daphne, as in production.

    pytest-django's live_server speaks no WebSocket, so this does what
    channels.testing.ChannelsLiveServerTestCase does: a child process on the
    test database. The child sees only committed rows: use transactional_db.
    It depends on django_db_setup so that it stops before the database is
    dropped (PostgreSQL refuses to drop a database in use).

    Every e-mail is a task: a worker beside daphne, with daphne's
    environment, sends them into the mail folder, as in production.
    """
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    mail_dir = tmp_path_factory.mktemp("e2e-mail")
    media_dir = tmp_path_factory.mktemp("e2e-media")
    # bin/test runs the journeys in two processes (pytest-xdist, by module):
    # each has its own server, and its own logs ("daphne-gw0.log").
    xdist_worker = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", or unset
    suffix = f"-{xdist_worker}" if xdist_worker else ""
    log_path = ARTIFACTS_DIR / f"daphne{suffix}.log"
    with (
        daphne(log_path, mail_dir=mail_dir, media_dir=media_dir) as (url, _process),
        worker(
            ARTIFACTS_DIR / f"worker{suffix}.log",
            mail_dir=mail_dir,
            media_dir=media_dir,
            SITE_URL=url,
        ),
    ):
        yield LiveServer(url, mail_dir, log_path)


@contextmanager
def daphne(log_path, *, mail_dir, media_dir, **env_overrides):
    """Run daphne on the test database until the block ends; gives its URL
    and process. `env_overrides` are set in its environment."""
    port = free_port()
    env = _server_env(
        mail_dir=mail_dir,
        media_dir=media_dir,
        # Visit e-mails link to this server, not to the default port.
        SITE_URL=f"http://{HOST}:{port}",
        **env_overrides,
    )
    # daphne has no autoreloader: one process, started once.
    command = [sys.executable, "-m", "e2e.daphne_main", "--bind", HOST]
    command += ["--port", str(port)]
    command.append("healingpaws.asgi:application")
    with running(command, log_path, port=port, env=env) as process:
        yield f"http://{HOST}:{port}", process


@contextmanager
def worker(log_path, *, mail_dir, media_dir, **env_overrides):
    """Run `manage.py run_worker` on the test database until the block ends;
    gives its process. It looks for tasks every 0.1 s (a person waits for an
    e-mail, not a second), and ticks no schedule: a reminder the hourly job
    sent in the middle of a journey would be an e-mail it does not expect."""
    env = _server_env(mail_dir=mail_dir, media_dir=media_dir, **env_overrides)
    command = [sys.executable, "-m", "e2e.worker_main", "--no-schedule"]
    command += ["--no-startup-delay", "--interval", "0.1"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            process.terminate()  # it finishes the task in hand
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _server_env(*, mail_dir, media_dir, **env_overrides):
    """The environment of daphne and the worker: the test database, the mail
    folder, the media folder; `env_overrides` on top."""
    env = {
        **os.environ,
        # Not settings.SETTINGS_MODULE: None while a test overrides settings.
        "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],
        # Static files come from the finders (whitenoise) only with DEBUG on.
        "DEBUG": "true",
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": _database_url_of(connections["default"].settings_dict),
        # django-environ drops the first "/" of the path: four slashes make
        # an absolute EMAIL_FILE_PATH.
        "EMAIL_URL": "filemail:///" + quote(str(mail_dir)),
        "MEDIA_ROOT": str(media_dir),
        "PYTHONUNBUFFERED": "1",
        **env_overrides,
    }
    # REDIS_URL, if set, is inherited as it is; these two are the parent's own.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.pop("TEST_DATABASE_NAME", None)
    if frozen_moment() is not None:
        # The child starts where this process's frozen clock is now.
        env[CLOCK_ENV_NAME] = timezone.now().isoformat()
    return env


def _database_url_of(db_settings):
    """DATABASE_URL for the child: the test database, which the parent has made."""
    name = db_settings["NAME"]  # django_db_setup has switched it to the test one
    if db_settings["ENGINE"] == "django.db.backends.sqlite3":
        if name == ":memory:" or "mode=memory" in str(name):
            raise RuntimeError("The browser tests need a SQLite file, not :memory:.")
        return "sqlite:///" + quote(str(Path(name).resolve()))
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + quote(name)))


# ---------------------------------------------------------------------------
# The browser
# ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, driven by sync Playwright for the whole session.

    Sync Playwright keeps an event loop running in this thread, and Django then
    refuses ORM calls (the tests' own checks, the flush after each test) unless
    DJANGO_ALLOW_ASYNC_UNSAFE is set: it is set here, for this session only.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()


@pytest.fixture
def page(browser, daphne_server, django_db_serialized_rollback):
    """A fresh tab with no cookies, in English, pointed at the server.

    Journeys commit (transactional_db), and the flush after each one empties
    every table, rows made by data migrations too (the Doctors group, the
    opening hours); serialized rollback puts those back before each journey.
    Every fixture that opens a browser asks for it: one test without it
    flushes with post_migrate instead, which re-creates the content types
    under new ids, and every later journey's restore collides with them.
    """
    context = browser.new_context(
        base_url=daphne_server.url,
        locale="en-US",
        viewport={"width": 1280, "height": 800},
    )
    context.set_default_timeout(5_000)
    yield context.new_page()
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Lets the screenshot fixture know whether the test failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def screenshot(request, page):
    """Save a full-page screenshot per step, numbered, one folder per test.

    A journey that fails shows where it went wrong, and the pictures show
    what a change looks like without running the site by hand. A failed test
    also gets a last picture of the page as it was.
    """
    folder = ARTIFACTS_DIR / re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    numbers = itertools.count(1)

    def take(step, of=None):
        """Picture the test's page, or `of` another one (a second person's)."""
        slug = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        path = folder / f"{next(numbers):02d}-{slug}.png"
        (of or page).screenshot(path=path, full_page=True)
        return path

    yield take
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and not page.is_closed():
        take("failed")


# ---------------------------------------------------------------------------
# E-mail
# ---------------------------------------------------------------------------


class Mailbox:
    """The messages the server wrote to its filemail folder."""

    def __init__(self, folder):
        self.folder = folder

    def clear(self):
        for path in self.folder.iterdir():
            path.unlink()

    def messages(self):
        found = []
        for path in sorted(self.folder.glob("*.log")):
            for chunk in path.read_bytes().split(MAIL_SEPARATOR):
                if chunk.strip():
                    found.append(message_from_bytes(chunk, policy=policy.default))
        return found

    @staticmethod
    def body(message: EmailMessage) -> str:
        return message.get_body(preferencelist=("plain", "html")).get_content()

    def last_to(self, address, timeout=5.0):
        """The latest message to an address; waits a little, as a browser would."""
        deadline = time.monotonic() + timeout
        while True:
            sent = [m for m in self.messages() if address in m.get("To", "")]
            if sent:
                return sent[-1]
            if time.monotonic() > deadline:
                subjects = [m.get("Subject") for m in self.messages()]
                raise AssertionError(f"No e-mail to {address}; sent: {subjects}")
            time.sleep(0.1)


@pytest.fixture
def mailbox(daphne_server):
    """The server's outbox, emptied for each test."""
    box = Mailbox(daphne_server.mail_dir)
    box.clear()
    return box


@pytest.fixture
def new_page(browser, daphne_server, django_db_serialized_rollback):
    """Another person's browser: its own cookies, opened on demand."""
    contexts = []

    def open_page(locale="en-US"):
        context = browser.new_context(
            base_url=daphne_server.url,
            locale=locale,
            viewport={"width": 1280, "height": 800},
        )
        context.set_default_timeout(5_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
