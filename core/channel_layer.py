"""The project's channel layer: channels_redis's pub/sub layer, subscribing in
batches (issue 14).

channels_redis subscribes each channel under its connection's one lock, one
SUBSCRIBE at a time: every opening socket subscribed its own channel and its
user's group, and each waited its turn in the lock's queue, a turn of the
event loop each (bench/chat.py: a chat socket's user group took 18 ms to join
at 20 sockets opening at once, for a SUBSCRIBE that takes microseconds). Here
the channels asked for while the lock is taken wait together, and go in one
SUBSCRIBE when it is free: one turn for all of them.

The rest is channels_redis's own (backing_services.redis_channel_layer says
why this layer), and so is the order: a batch waits for the lock like any
other subscribe or unsubscribe, so a channel unsubscribed meanwhile is
subscribed again.
"""

import asyncio
import uuid

from channels_redis.pubsub import (
    RedisPubSubChannelLayer,
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from channels_redis.utils import _wrap_close, decode_hosts


class PubSubChannelLayer(RedisPubSubChannelLayer):
    def _get_layer(self):
        # As channels_redis's, with the loop layer below.
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = self._layers[loop] = _LoopLayer(
                *self._args, **self._kwargs, channel_layer=self
            )
            _wrap_close(self, loop)
        return layer


class _LoopLayer(RedisPubSubLoopLayer):
    def __init__(self, hosts=None, *args, **kwargs):
        super().__init__(hosts, *args, **kwargs)
        # In place of the shards made above, which have not connected yet.
        self._shards = [_Shard(host, self) for host in decode_hosts(hosts)]

    async def new_local_channel(self, prefix="local."):
        """A channel of this process that only its groups reach: nothing is
        subscribed on Redis for it (new_channel() subscribes its name, for
        sends to it from anywhere); a group_add() then subscribes the group.
        Left like any other: a receive on it cancelled, or the layer's
        unsubscribe (which sends nothing for it)."""
        channel = f"{self.prefix}{prefix}{uuid.uuid4().hex}"
        self.channels[channel] = asyncio.Queue()
        return channel


class _Shard(RedisSingleShardConnection):
    _batch = None  # the channels waiting for the lock, and their subscribing

    async def subscribe(self, channel):
        batch = self._batch
        if batch is None:
            batch = self._batch = _Batch()
            batch.done = asyncio.ensure_future(self._subscribe_batch(batch))
        batch.channels.add(channel)
        # Shielded: one caller cancelled (its socket closed) does not cancel
        # the others' subscribing.
        await asyncio.shield(batch.done)

    async def _subscribe_batch(self, batch):
        async with self._lock:
            self._batch = None  # from here on, callers wait for the next batch
            channels = batch.channels - self._subscribed_to
            if channels:
                self._ensure_redis()
                self._ensure_receiver()
                await self._pubsub.subscribe(*channels)
                self._subscribed_to.update(channels)


class _Batch:
    def __init__(self):
        self.channels = set()
        self.done = None
