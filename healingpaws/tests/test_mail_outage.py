"""A mail server that refuses, then accepts: the issue's outage, small.

A visit change, a signup and a password reset are made while a local SMTP
server (aiosmtpd) answers every recipient "451, try again later"; no request
fails, and real `manage.py run_worker --batch` processes on the test database
deliver each e-mail exactly once after the server comes back.

PostgreSQL only: a second process cannot open SQLite's in-memory test
database (as core/tests/test_workers.py). CI runs PostgreSQL.
"""

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.mail import send_mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.roles import DOCTORS_GROUP
from accounts.tests.factories import DoctorFactory, UserFactory
from core.background import failed_tasks
from core.models import ScheduledRun
from healingpaws.tests.servers import (
    HOST,
    PROJECT_DIR,
    WORKER_WAIT_SECONDS,
    child_database_url,
    free_port,
    wait_for,
    worker,
)
from pets.tests.factories import PetFactory
from reservations.models import State
from reservations.services import reservation_transition
from reservations.tests.factories import (
    ensure_default_hours,
    make_visit,
    tomorrow_at,
)

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs PostgreSQL (a test database other processes open)",
)

# The retries' first wait, 30 s in production (core.background), cut for the
# test's worker.
RETRY_SECONDS = 1.0
REFUSAL = "451 4.3.0 Mail server busy, try again later"
STALL_SECONDS = 30
LEASE_SECONDS = 2


class MailServer:
    """aiosmtpd's handler: refuses every recipient while `refusing`, else
    keeps what it is sent; with `stall_next`, holds the next message's data
    without an answer (`stalled` is set) and then refuses it."""

    def __init__(self):
        self.refusing = True
        self.received = []
        self.stall_next = False
        self.stalled = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusing:
            return REFUSAL
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        if self.stall_next:
            # Hold the sender in the middle of its send, never accepting.
            self.stall_next = False
            self.stalled.set()
            await asyncio.sleep(STALL_SECONDS)
            return REFUSAL
        self.received.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture
def mail_server():
    handler = MailServer()
    controller = Controller(handler, hostname=HOST, port=free_port())
    controller.start()
    yield handler, f"smtp://{HOST}:{controller.port}"
    controller.stop()


def run_worker(email_url, log_path):
    """`manage.py run_worker --batch`: run what is due, then exit."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "healingpaws.settings",
        "DEBUG": "true",
        "DATABASE_URL": child_database_url(),
        "EMAIL_URL": email_url,
        "EMAIL_TIMEOUT": "5",
        "TASKS_RETRY_FIRST_WAIT_SECONDS": str(RETRY_SECONDS),
    }
    env.pop("TEST_DATABASE_NAME", None)
    command = [sys.executable, "manage.py", "run_worker"]
    command += ["--batch", "--no-schedule", "--no-startup-delay"]
    with log_path.open("ab") as log:
        finished = subprocess.run(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=120,
        )
    assert finished.returncode == 0, log_path.read_text(errors="replace")


def _waiting():
    return DBTaskResult.objects.filter(status=TaskResultStatus.READY)


@pytest.mark.django_db(transaction=True)
def test_emails_made_while_the_server_refuses_go_out_once_when_it_accepts(
    mail_server, tmp_path
):
    server, email_url = mail_server
    log = tmp_path / "worker.log"
    # Rows of migrations, which an earlier transactional test's flush emptied.
    Group.objects.get_or_create(name=DOCTORS_GROUP)
    ensure_default_hours()
    owner = UserFactory(username="alice", email="alice@example.com")
    visit = make_visit(
        PetFactory(owner=owner, name="Biscuit"), starts_at=tomorrow_at(10)
    )
    browser = Client(raise_request_exception=False)

    # The mail server refuses: a doctor confirms the visit, a newcomer signs
    # up, Alice asks for a new password. Nobody waits for it or hears of it.
    reservation_transition(
        reservation=visit, to_state=State.CONFIRMED, by=DoctorFactory()
    )
    signup = browser.post(
        reverse("account_signup"),
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
            "accept_rules": "on",
        },
    )
    reset = browser.post(
        reverse("account_reset_password"), {"email": "alice@example.com"}
    )
    assert (signup.status_code, reset.status_code) == (302, 302)

    run_worker(email_url, log)

    assert server.received == []
    assert "451" in log.read_text(errors="replace")
    assert _waiting().count() == 3  # each one's next attempt
    assert failed_tasks().count() == 0

    # The server is back; the next attempts come due.
    server.refusing = False
    due = max(_waiting().values_list("run_after", flat=True))
    time.sleep(max((due - timezone.now()).total_seconds(), 0) + 0.2)
    run_worker(email_url, log)
    run_worker(email_url, log)  # a second pass finds nothing more to send

    by_recipient = sorted((m["To"], str(m["Subject"])) for m in server.received)
    assert by_recipient == [
        ("alice@example.com", "[Healing Paws] Biscuit's visit: Confirmed"),
        ("alice@example.com", "[Healing Paws] Password Reset Email"),
        ("newbie@example.com", "[Healing Paws] Please Confirm Your Email Address"),
    ]
    assert len({m["Message-ID"] for m in server.received}) == 3
    bodies = {str(m["Subject"]): m.get_body().get_content() for m in server.received}
    assert re.search(
        r"/accounts/confirm-email/\S+/",
        bodies["[Healing Paws] Please Confirm Your Email Address"],
    )
    assert re.search(
        r"/accounts/password/reset/key/\S+/",
        bodies["[Healing Paws] Password Reset Email"],
    )
    assert not _waiting().exists()
    assert failed_tasks().count() == 0


@pytest.mark.django_db(transaction=True)
def test_an_email_whose_worker_was_killed_in_the_middle_of_its_send_goes_out(
    mail_server, tmp_path
):
    server, email_url = mail_server
    server.refusing = False
    server.stall_next = True
    first_log, second_log = tmp_path / "killed.log", tmp_path / "next.log"
    mail_env = {
        "EMAIL_URL": email_url,
        "EMAIL_TIMEOUT": str(STALL_SECONDS * 2),
        "TASKS_RUNNING_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    send_mail("Biscuit's results", "All clear.", None, ["alice@example.com"])

    with worker(first_log, **mail_env) as killed:
        assert server.stalled.wait(WORKER_WAIT_SECONDS), first_log.read_text()
        killed.send_signal(signal.SIGKILL)
        killed.wait()
    [row] = DBTaskResult.objects.filter(task_path="core.mail.send_email")
    assert row.status == TaskResultStatus.RUNNING  # as the killed worker left it
    assert server.received == []
    # Once the lease has run out, the next minute's reclaim job hands it back
    # (the killed worker ran this minute's: a new period is started by hand).
    time.sleep(LEASE_SECONDS + 0.5)
    ScheduledRun.objects.filter(job="core.tasks.reclaim_stalled_tasks").delete()

    with worker(second_log, **mail_env):
        wait_for(lambda: server.received, "the e-mail delivered", second_log)
        wait_for(
            lambda: DBTaskResult.objects.filter(pk=row.pk).successful().exists(),
            "its task done",
            second_log,
        )

    [message] = server.received
    assert (message["To"], message["Subject"]) == (
        "alice@example.com",
        "Biscuit's results",
    )
    assert failed_tasks().count() == 0
