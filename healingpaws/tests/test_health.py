import asyncio
import datetime
import threading

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core.tests.tasks import flaky
from healingpaws import views


@pytest.mark.django_db
def test_health_is_ok_when_database_and_channel_layer_answer(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "channel_layer": "ok",
        "tasks": {"oldest_ready_seconds": 0, "failed": 0},
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_is_503_with_a_reason_when_the_database_is_down(client, monkeypatch):
    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setattr(views, "_ping_database", broken)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["database"] == "unreachable (OperationalError)"
    assert response.json()["channel_layer"] == "ok"
    # The queue's figures need the database: the outage answer keeps its shape.
    assert set(response.json()) == {"status", "database", "channel_layer"}


@pytest.mark.django_db
def test_health_is_503_when_the_queue_cannot_be_read(client, monkeypatch):
    def broken():
        raise OperationalError("relation does not exist")

    monkeypatch.setattr(views, "queue_health", broken)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["tasks"] == "unreachable (OperationalError)"
    assert response.json()["database"] == "ok"


# Committed rows: the probe reads them from another thread (and connection).
@pytest.mark.django_db(transaction=True)
def test_health_reports_the_queue_and_is_503_when_a_ready_task_waits_too_long(
    client, settings
):
    settings.TASKS_MAX_LAG_SECONDS = 300
    flaky.enqueue("waits")
    flaky.enqueue("gave up")
    DBTaskResult.objects.filter(args_kwargs__args=["gave up"]).update(
        status="FAILED", exception_class_path="builtins.ConnectionRefusedError"
    )
    waiting = DBTaskResult.objects.filter(args_kwargs__args=["waits"])
    waiting.update(enqueued_at=timezone.now() - datetime.timedelta(seconds=200))

    keeping_up = client.get(reverse("healthz"))
    waiting.update(enqueued_at=timezone.now() - datetime.timedelta(seconds=400))
    lagging = client.get(reverse("healthz"))

    assert keeping_up.status_code == 200
    assert keeping_up.json()["tasks"]["failed"] == 1
    assert 200 <= keeping_up.json()["tasks"]["oldest_ready_seconds"] < 210
    assert lagging.status_code == 503
    assert lagging.json()["status"] == "unavailable"
    assert lagging.json()["database"] == "ok"
    assert 400 <= lagging.json()["tasks"]["oldest_ready_seconds"] < 410


@pytest.mark.django_db
def test_health_is_503_when_redis_is_unreachable(client, settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # Nothing listens on port 1.
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    channel_layers.backends.clear()
    try:
        response = client.get(reverse("healthz"))
    finally:
        channel_layers.backends.clear()

    assert response.status_code == 503
    assert response.json()["channel_layer"].startswith("unreachable")
    assert response.json()["database"] == "ok"


@pytest.mark.asyncio
@pytest.mark.django_db
async def test_health_answers_at_its_timeout_while_the_database_still_hangs(
    async_client, monkeypatch
):
    """A probe in a thread cannot be cancelled: the answer must not wait for it
    (it took the pool's 10 s, whatever HEALTH_TIMEOUT_SECONDS said). Served as
    daphne serves it, on a running event loop."""
    released = threading.Event()
    finished = threading.Event()

    def hanging():
        released.wait(timeout=30)
        finished.set()

    monkeypatch.setattr(views, "_ping_database", hanging)
    monkeypatch.setattr(views, "HEALTH_TIMEOUT_SECONDS", 0.2)
    try:
        response = await async_client.get(reverse("healthz"))
        answered_before_the_probe_ended = not finished.is_set()
    finally:
        released.set()
        await asyncio.to_thread(finished.wait, 5)

    assert answered_before_the_probe_ended
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable (TimeoutError)"
