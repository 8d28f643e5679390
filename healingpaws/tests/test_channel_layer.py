"""The Redis channel layer under the settings' connection options, on the real
Redis (REDIS_URL, as in CI): idle sockets stay open, bursts of closes hold.

Skipped without REDIS_URL only: the in-memory layer has neither timeouts nor a
connection pool.
"""

import asyncio
import logging
import time

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from accounts.notifications import notification_group
from accounts.tests.factories import UserFactory
from accounts.tests.sockets import connected, frame_of
from core import presence
from core.tests.layers import group_size
from reservations.tests.factories import ensure_default_hours

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.REDIS_URL, reason="needs REDIS_URL: the Redis channel layer"
    ),
]

# Longer than channels-redis's blocking read (BZPOPMIN, 5 s) plus redis-py's
# default socket timeout (5 s), which used to race and close idle sockets.
IDLE_SECONDS = 12


async def test_an_idle_socket_stays_open_past_the_layers_timeouts():
    customer = await sync_to_async(UserFactory)()
    notifications, _ = await connected("/ws/notifications/", customer)

    # Nothing but presence counts comes, and the consumer has not died (the
    # socket would close, or its crash would raise here).
    idle_until = time.monotonic() + IDLE_SECONDS
    while (left := idle_until - time.monotonic()) > 0:
        if not await notifications.receive_nothing(timeout=left):
            assert (await notifications.receive_json_from())["type"] == "presence"
    await get_channel_layer().group_send(
        notification_group(customer.pk),
        {
            "type": "notification.new",
            "id": 1,
            "text": "Mochi's visit: in treatment",
            "url": "/",
            "unread": 1,
        },
    )

    frame = await frame_of(notifications, "notification")
    assert frame["text"] == "Mochi's visit: in treatment"
    await notifications.disconnect()


# More sockets than redis-py's default pool holds (100).
BURST = 150


async def test_a_burst_of_closing_sockets_leaves_no_group_and_no_presence(caplog):
    await sync_to_async(ensure_default_hours)()
    customers = await sync_to_async(UserFactory.create_batch)(BURST)
    sockets = [
        (await connected("/ws/notifications/", customer))[0] for customer in customers
    ]
    assert await sync_to_async(presence.online_count)(presence.CUSTOMER) == BURST

    with caplog.at_level(logging.WARNING):
        await asyncio.gather(
            *(communicator.disconnect(timeout=20) for communicator in sockets)
        )

    assert [record.getMessage() for record in caplog.records] == []
    assert await sync_to_async(presence.online_count)(presence.CUSTOMER) == 0
    for customer in customers:
        assert await group_size(notification_group(customer.pk)) == 0


async def test_the_health_probe_keeps_one_channel_whatever_the_probes(monkeypatch):
    """The pub/sub layer keeps a channel until a receive on it is cancelled:
    the /healthz probe keeps one of its own (healingpaws/layer_probe.py), not
    one a probe, and a probe that gave up leaves none behind."""
    from healingpaws.views import _ping_channel_layer

    await asyncio.gather(*(_ping_channel_layer() for _ in range(5)))
    assert len(get_channel_layer()._get_layer().channels) == 1

    async def lost(channel, message):
        pass  # Redis took the ping and never delivered it, say

    monkeypatch.setattr(get_channel_layer(), "send", lost)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(_ping_channel_layer(), timeout=0.2)
    monkeypatch.undo()

    await _ping_channel_layer()
    assert len(get_channel_layer()._get_layer().channels) == 1


async def test_the_layers_prefix_names_the_redis_database():
    """Pub/sub channels are one namespace for the whole Redis server: runs on
    other databases of it must not hear each other's groups."""
    from healingpaws.backing_services import redis_channel_layer

    def prefix(url):
        return redis_channel_layer(url, max_connections=10)["CONFIG"]["prefix"]

    assert prefix("redis://127.0.0.1:6379/4") == "healingpaws4:"
    assert prefix("redis://127.0.0.1:6379") == "healingpaws0:"


async def test_channels_asked_for_together_are_subscribed_together(monkeypatch):
    # core/channel_layer.py: one SUBSCRIBE for the channels that wait for the
    # connection's lock together, where each took a turn of its own.
    layer = get_channel_layer()
    shard = layer._get_layer()._shards[0]
    subscribes = []
    real_subscribe = shard._subscribe_batch

    async def counted(batch):
        subscribes.append(len(batch.channels))
        await real_subscribe(batch)

    monkeypatch.setattr(shard, "_subscribe_batch", counted)
    channels = await asyncio.gather(*(layer.new_channel() for _ in range(20)))

    assert sum(subscribes) == 20
    assert len(subscribes) <= 2  # the first alone, if it found the lock free
    for number, channel in enumerate(channels):
        await layer.send(channel, {"type": "test.message", "number": number})
    heard = [(await layer.receive(channel))["number"] for channel in channels]
    assert heard == list(range(20))


async def test_a_group_left_and_joined_again_at_once_stays_subscribed():
    # The join waits behind the leave's unsubscribe, then subscribes again:
    # had it trusted the subscription it found, the group would hear nothing.
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("rejoined", channel)

    await asyncio.gather(
        layer.group_discard("rejoined", channel), layer.group_add("rejoined", channel)
    )
    await layer.group_send("rejoined", {"type": "test.message", "number": 1})

    async with asyncio.timeout(5):
        assert (await layer.receive(channel))["number"] == 1
    await layer.group_discard("rejoined", channel)


async def test_a_socket_subscribes_its_groups_on_redis_and_no_channel_of_its_own():
    """Everything a socket hears comes through its process's groups
    (core/fanout.py), its user's group too: it needs no channel of its own,
    whose SUBSCRIBE and UNSUBSCRIBE every opening and closing paid for."""
    customer = await sync_to_async(UserFactory)()
    loop_layer = get_channel_layer()._get_layer()
    shard = loop_layer._shards[0]
    before = set(shard._subscribed_to)

    notifications, _ = await connected("/ws/notifications/", customer)

    user_group = loop_layer._get_group_channel_name(notification_group(customer.pk))
    added = set(shard._subscribed_to) - before
    assert user_group in added
    assert all("__group__" in channel for channel in added)
    # And the user's group still reaches the page.
    await get_channel_layer().group_send(
        notification_group(customer.pk),
        {"type": "notification.unread", "unread": 4},
    )
    assert (await frame_of(notifications, "unread"))["unread"] == 4
    await notifications.disconnect()
    assert user_group not in shard._subscribed_to


async def test_a_local_channel_hears_its_groups_and_redis_never_hears_of_it():
    layer = get_channel_layer()
    shard = layer._get_layer()._shards[0]
    channel = await layer.new_local_channel()
    await layer.group_add("local-channel-test", channel)

    await layer.group_send("local-channel-test", {"type": "hello"})

    async with asyncio.timeout(5):
        assert await layer.receive(channel) == {"type": "hello"}
    assert channel not in shard._subscribed_to
    await layer.group_discard("local-channel-test", channel)
