"""What the e-mail benchmarks share: a fake mail server (aiosmtpd, in a
thread of this process) that can be slow or refuse, the worker in a child
process, a doctor and owners with one requested visit each, and form posts
with a CSRF token and a session.

Import it after bench._server (the scripts put the repository on sys.path).
"""

import asyncio
import email
import email.header
import http.client
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode

from aiosmtpd.controller import Controller

from bench._server import ROOT

# What a refusing server says to every recipient: "try again later".
REFUSAL = "421 4.3.2 Service not available, try again later"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FakeMailServer:
    """An SMTP server on 127.0.0.1 that keeps what it accepts.

    `delay`: seconds it takes over each message before accepting it.
    `refusing`: with "421", it answers every recipient with REFUSAL; with
    "down", nothing listens on its port (connection refused). Change either
    at any time (set_refusing for the second)."""

    def __init__(self, delay=0.0):
        self.delay = delay
        self.refusing = None
        self.received = []  # (monotonic time, recipient, subject)
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = None
        self._start()

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def _start(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def set_refusing(self, how):
        """None (accepting), "421" or "down"."""
        if how == "down" and self.controller:
            self.controller.stop()
            self.controller = None
        elif how != "down" and not self.controller:
            self._start()
        self.refusing = how

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusing:
            return REFUSAL
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content)
        subject = str(
            email.header.make_header(email.header.decode_header(message["Subject"]))
        )
        now = time.monotonic()
        with self.lock:
            self.received.extend(
                (now, recipient.lower(), subject) for recipient in envelope.rcpt_tos
            )
        return "250 Message accepted for delivery"

    def count(self):
        with self.lock:
            return len(self.received)

    def snapshot(self):
        with self.lock:
            return list(self.received)


def start_worker(workdir):
    """`manage.py run_worker` with this process's environment (the run's
    settings and database), its output in worker.log."""
    log = open(workdir / "worker.log", "wb")  # noqa: SIM115 (lives with the worker)
    return subprocess.Popen(  # noqa: S603 (fixed arguments, no shell)
        [sys.executable, "manage.py", "run_worker", "--no-startup-delay"],
        cwd=ROOT,
        env=os.environ,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop_worker(worker):
    worker.terminate()  # it finishes the task in hand
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def seed_owners(count, *, prefix="owner"):
    """A doctor, and `count` owners with one pet and one requested visit each
    in the coming days (an advance confirms it and e-mails its owner).

    Returns the doctor and the visits in order."""
    import datetime
    from itertools import islice

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from accounts.services import user_create_verified, user_promote_to_doctor
    from pets.models import Pet, Species
    from reservations.models import (
        ClinicSettings,
        Reservation,
        ReservationEvent,
        Slot,
        State,
        Triage,
    )
    from reservations.slots import slot_times

    doctor = user_create_verified(
        username="bench_doctor", email="doctor@bench.example", password=None
    )
    user_promote_to_doctor(user=doctor)
    owners = User.objects.bulk_create(
        User(
            username=f"{prefix}{i}",
            email=f"{prefix}{i}@bench.example",
            password=make_password(None),
        )
        for i in range(count)
    )
    pets = Pet.objects.bulk_create(
        Pet(
            owner=owner,
            name=f"Pet {i}",
            species=Species.DOG,
            birth_date=timezone.localdate() - datetime.timedelta(days=400),
        )
        for i, owner in enumerate(owners)
    )
    capacity = ClinicSettings.current().doctors_on_duty
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    starts = islice(
        (
            starts_at
            for day in range(60)
            for starts_at in slot_times(tomorrow + datetime.timedelta(days=day))
        ),
        -(-count // capacity),
    )
    slots = Slot.objects.bulk_create(
        Slot(starts_at=starts_at, capacity=capacity, booked=0) for starts_at in starts
    )
    visits = Reservation.objects.bulk_create(
        Reservation(
            pet=pet,
            slot=slots[i // capacity],
            symptoms="Limping on the left front leg since Monday; eats normally.",
            state=State.REQUESTED,
            triage=Triage.STANDARD,
            queue_position=i + 1,
        )
        for i, pet in enumerate(pets)
    )
    for slot in slots:
        slot.booked = sum(1 for visit in visits if visit.slot_id == slot.pk)
    Slot.objects.bulk_update(slots, ["booked"])
    ReservationEvent.objects.bulk_create(
        ReservationEvent(
            reservation=visit,
            kind=ReservationEvent.Kind.CREATED,
            actor=visit.pet.owner,
            to_value=State.REQUESTED,
        )
        for visit in visits
    )
    return doctor, visits


class Browser:
    """One client of daphne: its cookies (a session if given, a CSRF token of
    its own) and keep-alive connection; posts forms as a browser would, over
    the TLS proxy in front (X-Forwarded-Proto, Origin)."""

    def __init__(self, base, session_cookie=""):
        self.base = base
        self.csrf = secrets.token_hex(16)  # 32 characters: an unmasked secret
        self.cookies = f"csrftoken={self.csrf}"
        if session_cookie:
            self.cookies += f"; {session_cookie}"
        self.connection = http.client.HTTPConnection(base, timeout=120)

    def post(self, path, fields, accept="text/html"):
        """POST the form; returns (status, seconds). A connection error is
        reported as its name instead of a status."""
        body = urlencode({"csrfmiddlewaretoken": self.csrf, **fields}, doseq=True)
        headers = {
            "X-Forwarded-Proto": "https",
            "Origin": f"https://{self.base}",
            "Cookie": self.cookies,
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": accept,
        }
        started = time.perf_counter()
        try:
            self.connection.request("POST", path, body=body, headers=headers)
            response = self.connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()  # reconnects on the next request
            status = type(error).__name__
        return status, time.perf_counter() - started


def queue_advance(browser, admin, visit):
    """The queue's "next step" button on one visit, as its script posts it."""
    return browser.post(
        f"{admin}reservations/reservation/queue/advance/",
        {"visit": visit.pk, "from_state": visit.state},
        accept="application/json",
    )


def list_advance(browser, admin, visits):
    """The visit list's "Advance one step" action on the selected visits."""
    return browser.post(
        # Every day: the list shows today's visits unless told otherwise.
        f"{admin}reservations/reservation/?day=all",
        {"action": "advance", "index": 0, "_selected_action": [v.pk for v in visits]},
    )


def queue_counts():
    """(waiting or running tasks, failed tasks) in the queue, or (None,
    None) when there is no queue table."""
    from django.db import DatabaseError

    try:
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        from core.background import failed_tasks

        pending = DBTaskResult.objects.filter(
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
        ).count()
        return pending, failed_tasks().count()
    except (ImportError, DatabaseError):
        return None, None
