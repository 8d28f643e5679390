import asyncio
import threading

import pytest
from django.db import OperationalError
from django.urls import reverse

from healingpaws import views


@pytest.mark.django_db
def test_health_is_ok_when_database_and_channel_layer_answer(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "channel_layer": "ok",
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
