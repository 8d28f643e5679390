"""The Redis channel layers when Redis stops, restarts or pauses, on a private
redis-server of the test's own (started on a free port, stopped at the end):
open sockets hear pushes again once Redis is back, without reconnecting; a
push while it is away fails quietly (the change is stored, no 500); a burst
of closing sockets leaves no subscription or group member behind.

Each test runs on production's pub/sub layer and on channels_redis's core
layer, to compare them (bench/README.md, the chat's layer). Skipped where
redis-server is not installed. The machine's shared Redis is never touched.
"""

import asyncio
import contextlib
import logging
import os
import shutil
import time

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers, get_channel_layer

from accounts.notifications import notification_group, notification_send
from accounts.tests.factories import UserFactory
from accounts.tests.sockets import connected
from core.tests.layers import group_size
from healingpaws.backing_services import redis_channel_layer
from healingpaws.tests.servers import PrivateRedis

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        shutil.which("redis-server") is None, reason="needs redis-server"
    ),
]

# How soon after Redis is back a push must reach an open socket.
BACK_WITHIN_SECONDS = 5
PAUSE_SECONDS = 10
BURST = 50


def core_channel_layer(url):
    """channels_redis's core layer with the project's socket options (what
    production used before the pub/sub layer) and room for bursts."""
    pubsub = redis_channel_layer(url, max_connections=500)
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": pubsub["CONFIG"]["hosts"],
            "prefix": pubsub["CONFIG"]["prefix"],
            "capacity": 1000,
        },
    }


LAYERS = {
    "pubsub": lambda url: redis_channel_layer(url, max_connections=500),
    "core": core_channel_layer,
}


# What the core layer does not survive (the comparison for bench/README.md):
# its consumer's blocking read (BZPOPMIN) raises when Redis goes away and the
# socket closes, and a restarted Redis without persistence has forgotten its
# groups, which live in Redis. The pub/sub layer's redis-py client connects
# again and subscribes again to what the process holds. A burst of cancelled
# closes on the core layer did not end within 30 s in every run here (not
# investigated further): not strict.
CORE_FAILS = {
    "test_an_open_socket_hears_pushes_after_redis_restarts": True,
    "test_a_notification_while_redis_is_down_is_stored_and_not_an_error": True,
    "test_a_burst_of_closes_leaves_no_subscription_or_member": False,
}


# The suite tests the production layer; the core layer's run is the
# comparison behind bench/README.md, on demand (its failures under load are
# not always the ones above, and some come in teardown, where xfail does not
# reach).
COMPARED_LAYERS = (
    sorted(LAYERS) if os.environ.get("HEALINGPAWS_COMPARE_CORE_LAYER") else ["pubsub"]
)


@pytest.fixture(params=COMPARED_LAYERS)
def private_redis(request, settings):
    if request.param == "core" and request.node.originalname in CORE_FAILS:
        strict = CORE_FAILS[request.node.originalname]
        request.applymarker(pytest.mark.xfail(strict=strict, reason="the core layer"))
    server = PrivateRedis()
    server.start()
    settings.CHANNEL_LAYERS = {"default": LAYERS[request.param](server.url)}
    channel_layers.backends = {}
    yield server
    channel_layers.backends = {}
    server.stop()


def push_to(user, text):
    return get_channel_layer().group_send(
        notification_group(user.pk),
        {"type": "notification.new", "id": 1, "text": text, "url": "/", "unread": 1},
    )


async def pushed_soon(communicator, user, text):
    """Push until the socket hears it (the layer may need a moment to
    reconnect and subscribe again); True if it did within the bound."""
    deadline = time.monotonic() + BACK_WITHIN_SECONDS
    while time.monotonic() < deadline:
        try:
            await asyncio.wait_for(push_to(user, text), timeout=1)
        except Exception:  # Redis not answering yet
            await asyncio.sleep(0.2)
            continue
        # receive_nothing, not a receive's timeout: that cancels the consumer.
        while not await communicator.receive_nothing(timeout=0.5):
            frame = await communicator.receive_json_from()
            if frame["type"] == "notification" and frame["text"] == text:
                return True
    return False


async def test_an_open_socket_hears_pushes_after_redis_restarts(private_redis):
    customer = await sync_to_async(UserFactory)()
    notifications, _ = await connected("/ws/notifications/", customer)
    assert await pushed_soon(notifications, customer, "before")

    private_redis.stop()
    await asyncio.sleep(2)  # the layer notices: its connections are gone
    private_redis.start()

    assert await pushed_soon(notifications, customer, "after the restart")
    await notifications.disconnect()


async def test_an_open_socket_hears_pushes_after_redis_is_paused(private_redis):
    customer = await sync_to_async(UserFactory)()
    notifications, _ = await connected("/ws/notifications/", customer)

    private_redis.pause()
    await asyncio.sleep(PAUSE_SECONDS)
    private_redis.resume()

    assert await pushed_soon(notifications, customer, "after the pause")
    await notifications.disconnect()


async def test_a_notification_while_redis_is_down_is_stored_and_not_an_error(
    private_redis, caplog
):
    customer = await sync_to_async(UserFactory)()
    notifications, _ = await connected("/ws/notifications/", customer)
    private_redis.stop()

    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        notification = await sync_to_async(notification_send)(
            recipient=customer,
            kind="consultation_reply",
            url="/consultation/1/",
            sender="Dr Wu",
            subject="Mochi is coughing",
            message=1,
        )

    # The change is made and the caller carries on; the lost push is logged.
    assert notification.pk is not None
    assert time.monotonic() - started < 5
    assert f"notification {notification.pk} not pushed" in caplog.text
    private_redis.start()
    assert await pushed_soon(notifications, customer, "back")
    await notifications.disconnect()


async def test_a_burst_of_closes_leaves_no_subscription_or_member(private_redis):
    customers = await sync_to_async(UserFactory.create_batch)(BURST)
    sockets = [
        (await connected("/ws/notifications/", customer))[0] for customer in customers
    ]

    # Closed at once, and given little time: daphne cancels consumers that
    # are slow to end after their client left, and so does this, each after
    # a different delay, so that some are cancelled while the layer is
    # unsubscribing their channel, however fast this machine is.
    async def close(communicator, within):
        with contextlib.suppress(TimeoutError):
            await communicator.disconnect(timeout=within)

    # Bounded: the core layer's run once hung here past pytest's timeout.
    await asyncio.wait_for(
        asyncio.gather(*(close(each, 0.003 * n) for n, each in enumerate(sockets))),
        30,
    )
    await asyncio.sleep(2)  # the shielded cleanups finish

    for customer in customers:
        assert await group_size(notification_group(customer.pk)) == 0
    client = private_redis.client()
    assert await sync_to_async(client.pubsub_channels)() == []
    assert list(client.scan_iter(match="*group*")) == []
