"""Live pushes through a real worker: with Redis, a change's push is a row
of the "live" backend, written with the change, and `manage.py run_worker`'s
live lane sends it to the pages over Redis, from its own process. One test per
kind of push task: a new notification, an unread count, the dashboard's
merged push.

PostgreSQL and Redis only: the worker is another process, which must share
the test's database and reach the test's channel layer (CI runs both).
"""

import asyncio
import datetime

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from accounts.models import Notification
from accounts.notifications import (
    notification_group,
    notification_send,
    notifications_mark_read,
)
from accounts.tests.factories import UserFactory
from consultation.notifications import CONSULTATION_REPLY
from healingpaws.tests.servers import WORKER_WAIT_SECONDS, worker
from reservations.realtime import DASHBOARD_GROUP, dashboard_changed

pytestmark = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
        or not settings.REDIS_URL,
        reason="needs PostgreSQL and Redis (a worker in another process)",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _queued_pushes(settings):
    # As in production with Redis (conftest.py runs them in-process).
    settings.TASKS = {
        **settings.TASKS,
        "live": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    }


@pytest.fixture
def live_worker(tmp_path):
    """A worker (without the schedule); gives its log."""
    log_path = tmp_path / "worker.log"
    with worker(log_path, "--no-schedule"):
        yield log_path


def heard(group, change, log_path):
    """Listen on `group` over Redis, make `change` (in a thread, committed),
    and return the first event the group hears."""

    async def listen():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        await sync_to_async(change)()
        try:
            return await asyncio.wait_for(layer.receive(channel), WORKER_WAIT_SECONDS)
        except TimeoutError:
            log = log_path.read_text(errors="replace")[-3000:]
            raise AssertionError(f"nothing reached {group}:\n{log}") from None

    return async_to_sync(listen)()


def test_a_new_notification_reaches_the_recipients_pages_from_the_worker(
    live_worker,
):
    owner = UserFactory(preferred_language="zh-hans")

    def reply():
        notification_send(
            recipient=owner,
            kind=CONSULTATION_REPLY,
            url="/consultation/1/",
            sender="Dr Wu",
            subject="Coughing",
        )
        # The push waits for the commit: its row is written with the change.
        assert DBTaskResult.objects.filter(backend_name="live").count() == 1

    event = heard(notification_group(owner.pk), reply, live_worker)

    notification = Notification.objects.get()
    assert event["type"] == "notification.new"
    assert event["id"] == notification.pk
    assert event["unread"] == 1
    assert event["text"] == "Dr Wu 回复了：Coughing"  # in the recipient's language


def test_reading_tells_the_readers_other_pages_the_count_from_the_worker(
    live_worker,
):
    owner = UserFactory()
    for subject in ("Coughing", "Limping"):
        Notification.objects.create(
            recipient=owner,
            kind=CONSULTATION_REPLY,
            url="/consultation/1/",
            params={"sender": "Dr Wu", "subject": subject},
        )
    first = Notification.objects.order_by("pk").first()

    event = heard(
        notification_group(owner.pk),
        lambda: notifications_mark_read(user=owner, ids=[first.pk]),
        live_worker,
    )

    assert event == {"type": "notification.unread", "unread": 1}


def test_the_changes_of_one_transaction_reach_the_dashboards_as_one_push(
    live_worker,
):
    day = datetime.date(2026, 3, 4)

    def bulk_change():
        with transaction.atomic():
            dashboard_changed(reason="state", day=day)
            dashboard_changed(reason="triage", day=day)
            dashboard_changed(reason="reorder")

    event = heard(DASHBOARD_GROUP, bulk_change, live_worker)

    assert event == {
        "type": "dashboard.changed",
        "reasons": ["reorder", "state", "triage"],
        "days": ["2026-03-04"],
    }
    assert DBTaskResult.objects.filter(backend_name="live").count() == 1
