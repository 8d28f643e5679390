"""The schedule through real workers: two `manage.py run_worker` processes
tick it side by side; each job runs once per period, the visit reminder
reaches the mail server once, and the upkeep jobs do their work.

PostgreSQL only, like core/tests/test_workers.py: the workers are other
processes on the test database.
"""

import datetime
from contextlib import ExitStack
from email import message_from_bytes, policy
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from consultation.notifications import CONSULTATION_REPLY
from core.models import ScheduledRun
from core.schedule import jobs
from healingpaws.tests.servers import wait_for, worker, worker_started
from pets.tests.factories import PetFactory
from reservations.models import Reservation, State
from reservations.tests.factories import make_visit

pytestmark = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL (a test database other processes open)",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_two_workers_run_each_job_once_a_period_and_the_reminder_goes_once(
    tmp_path,
):
    owner = UserFactory(email="alice@example.com", preferred_language="en")
    pet = PetFactory(owner=owner, name="Biscuit")
    starts_at = timezone.now() + datetime.timedelta(hours=3)
    visit = make_visit(pet, starts_at=starts_at, state=State.CONFIRMED)
    read_long_ago = Notification.objects.create(
        recipient=owner,
        kind=CONSULTATION_REPLY,
        url="/consultation/1/",
        read_at=timezone.now() - datetime.timedelta(days=400),
    )
    mail_dir = tmp_path / "mail"
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]

    with ExitStack() as stack:
        for log in logs:
            stack.enter_context(
                worker(log, EMAIL_URL="filemail:///" + quote(str(mail_dir)))
            )
        wait_for(lambda: all(map(worker_started, logs)), "both workers", *logs)
        wait_for(
            lambda: (
                Reservation.objects.filter(reminder_sent_at__isnull=False).exists()
                and not Notification.objects.filter(pk=read_long_ago.pk).exists()
                and mail_dir.exists()
                and any(mail_dir.iterdir())
            ),
            "the reminder sent and the old notification forgotten",
            *logs,
        )
        wait_for(
            lambda: ScheduledRun.objects.count() >= len(jobs()),
            "every job's period started",
            *logs,
        )

    [message_file] = mail_dir.iterdir()
    message = message_from_bytes(message_file.read_bytes(), policy=policy.default)
    assert message["To"] == "alice@example.com"
    assert "Biscuit" in message.get_body(("plain",)).get_content()
    visit.refresh_from_db()
    assert visit.reminder_sent_at is not None
    # Each job's task was enqueued once for each period it ran in, whichever
    # worker ticked first (a job may have seen two periods: a minute turned).
    periods = dict(
        ScheduledRun.objects.values_list("job").annotate(n=Count("pk")).order_by()
    )
    enqueued = dict(
        DBTaskResult.objects.filter(task_path__in=periods)
        .values_list("task_path")
        .annotate(n=Count("pk"))
        .order_by()
    )
    assert set(periods) == {job.name for job in jobs()}
    assert enqueued == periods
