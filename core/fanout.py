"""A process's sockets share one channel per broadcast group (issue 14).

A chat message reaches every open page of its thread. Through Channels' usual
path each of the process's 200 sockets of the thread is in the group with its
own channel, so the layer hands the event over 200 times: each socket's queue,
its consumer task woken, the event unpacked, a new receive task; that cost
daphne more CPU than writing the 200 frames (bench/chat.py: 16 ms of CPU per
message with the echo's own sockets, 9 ms through one channel per process).

Here the process joins the group once, with a channel of its own, and one
relay task hands each event to the local members in turn
(member.receive_shared(event), see core.consumers). The user's own group,
which carries one user's events to their few pages, goes the same way: the
sockets then need no channel of their own (core.consumers).

Also here: leaving a group and a channel without raising, for the fan-out's
groups when their last socket closes.
"""

import asyncio
import collections
import contextlib
import logging
import weakref
from dataclasses import dataclass, field

from channels_redis.pubsub import RedisPubSubChannelLayer

logger = logging.getLogger("healingpaws.sockets")

# How often, and after how long, a socket that is closing retries leaving a
# group when the layer refuses (a burst of closes can empty the Redis pool).
DISCARD_ATTEMPTS = 3
DISCARD_RETRY_SECONDS = 0.2
# After the layer failed to hand over an event (Redis away, on the core layer),
# the relay waits this long before asking again, rather than spinning.
RELAY_RETRY_SECONDS = 1.0
# The relay lets the loop run after handing an event to this many pages.
# daphne (Twisted) sends nothing while the loop is busy: a page's frame
# waited for all 200 to be handed over, then for the writes of those before
# it. In batches the first pages' frames leave while the rest are handed
# over (bench/chat.py: the chat's p50 2-4 ms lower, for 10% more CPU).
RELAY_BATCH = 10


async def group_discard_quietly(layer, group: str, channel: str) -> None:
    """Leave a group, retrying briefly; a failure is logged, never raised: the
    socket is closing anyway, and the layer drops a stale member by itself
    (group_expiry). Raised here, it would skip the rest of the cleanup."""
    for attempt in range(1, DISCARD_ATTEMPTS + 1):
        try:
            await layer.group_discard(group, channel)
            return
        except Exception:
            if attempt == DISCARD_ATTEMPTS:
                logger.warning("%s not removed from %s", channel, group, exc_info=True)
            else:
                await asyncio.sleep(DISCARD_RETRY_SECONDS * attempt)


async def channel_unsubscribe_quietly(layer, channel: str | None) -> None:
    """Unsubscribe a channel that is no longer read, on the pub/sub layer.

    The layer unsubscribes it when its receive is cancelled; but daphne
    cancels a consumer that is slow to end (a burst of closes), which cancels
    that unsubscribe too ("Unexpected exception while cleaning-up channel")
    and left the channel subscribed on Redis for the process's life
    (healingpaws/tests/test_channel_layer_faults.py). Run from a shielded
    cleanup, this finishes it; a no-op once done."""
    if not isinstance(layer, RedisPubSubChannelLayer) or channel is None:
        return
    loop_layer = layer._get_layer()
    loop_layer.channels.pop(channel, None)
    shard = loop_layer._get_shard(channel)
    try:
        await shard.unsubscribe(channel)  # nothing if not subscribed
    except Exception:
        logger.warning("%s not unsubscribed", channel, exc_info=True)


@dataclass(eq=False)
class _Group:
    name: str
    members: set = field(default_factory=set)
    channel: str | None = None
    opened: asyncio.Future | None = None  # the channel made, the relay started
    added: bool = False  # the channel added to the group once
    relay: asyncio.Task | None = None


class Fanout:
    """The broadcast groups of one event loop's sockets on one layer."""

    def __init__(self, layer):
        self.layer = layer
        self.groups: dict[str, _Group] = {}
        # On the pub/sub layer the group's channel is this process's own
        # subscription, kept until it is discarded (redis-py subscribes again
        # after a reconnect): joined once, where each add waited its turn
        # behind every socket's subscribing (one lock a Redis connection),
        # 7-12 ms of a socket's opening at 20 opening at once. The other
        # layers forget a member after group_expiry: each join adds again.
        self.memberships_kept = isinstance(layer, RedisPubSubChannelLayer)

    async def join(self, name: str, member) -> None:
        """Add a socket; the first one of the process opens the group's channel
        and relay. Raises what the layer raised (the socket is not added)."""
        group = self.groups.get(name)
        if group is None:
            group = self.groups[name] = _Group(name)
            group.opened = asyncio.ensure_future(self._open(group))
        group.members.add(member)
        try:
            await asyncio.shield(group.opened)
            if not (group.added and self.memberships_kept):
                await self.layer.group_add(name, group.channel)
                group.added = True
        except BaseException:
            await self.leave(name, member)
            raise

    async def leave(self, name: str, member) -> None:
        """Remove a socket; the last one closes the group's channel. Never
        raises (see group_discard_quietly)."""
        group = self.groups.get(name)
        if group is None or member not in group.members:
            return
        group.members.discard(member)
        if group.members:
            return
        del self.groups[name]  # a later join opens a new one
        if not group.opened.done():
            group.opened.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await group.opened
        if group.relay is not None:
            group.relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await group.relay
        if group.channel is not None:
            await group_discard_quietly(self.layer, name, group.channel)
            await channel_unsubscribe_quietly(self.layer, group.channel)

    async def _open(self, group: _Group) -> None:
        # On the project's pub/sub layer, a channel Redis never hears of:
        # only the group reaches it (core/channel_layer.py).
        new_channel = getattr(self.layer, "new_local_channel", self.layer.new_channel)
        group.channel = await new_channel()
        group.relay = asyncio.create_task(self._relay(group))

    async def _relay(self, group: _Group) -> None:
        while True:
            try:
                event = await self.layer.receive(group.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("%s: no event from the layer", group.name, exc_info=True)
                await asyncio.sleep(RELAY_RETRY_SECONDS)
                continue
            await self._hand_over(group, event)

    async def _hand_over(self, group: _Group, event: dict) -> None:
        # Its own call: the loop's last member would stay referenced by the
        # relay's frame until the next event, and a closed socket's consumer
        # not freed until then.
        # A copy: a member that leaves while it is handed the event (its
        # socket closing, or in a turn of the loop between batches) changes
        # the set.
        for handed, member in enumerate(tuple(group.members), start=1):
            if member not in group.members:
                continue  # left in a turn of the loop between batches
            try:
                await member.receive_shared(event)
            except Exception:  # one page's failure is not the others'
                logger.exception("%s: event not handed over", group.name)
            if handed % RELAY_BATCH == 0:
                await asyncio.sleep(0)


# Per event loop (a test runs each in its own; the pub/sub layer also keeps a
# loop's channels apart) and per layer object (tests swap layers).
_fanouts: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = (
    weakref.WeakKeyDictionary()
)


def fanout_of(layer) -> Fanout:
    """The fan-out of the running loop on `layer`."""
    by_layer = _fanouts.setdefault(asyncio.get_running_loop(), {})
    if (fanout := by_layer.get(id(layer))) is None or fanout.layer is not layer:
        fanout = by_layer[id(layer)] = Fanout(layer)
    return fanout


class SharedGroupsMixin:
    """A consumer's side of the fan-out: join_shared() and leave_shared(), and
    receive_shared(), which the relay calls with each event of the groups.

    An event is handled there and then when shared_inline_ok() says the
    handler will not wait (a page's push with a fresh access check only
    writes the frame); otherwise, and behind such an event, in order on a
    task of the socket's own, which may ask the database first without
    holding up the other pages. While shared_held(), events wait: the
    consumer's frames and connect keep their order with the broadcasts, as
    in a channel of its own."""

    shared_backlog = None  # a deque while events wait
    shared_holds = 0
    shared_drain = None  # the task handling the waiting events

    async def join_shared(self, *groups: str) -> None:
        for group in groups:
            # Recorded before the join: a failed one is left on the way out.
            self.shared_joined = [*getattr(self, "shared_joined", ()), group]
            await fanout_of(self.channel_layer).join(group, self)

    async def leave_shared(self) -> None:
        groups, self.shared_joined = getattr(self, "shared_joined", ()), []
        for group in groups:
            await fanout_of(self.channel_layer).leave(group, self)

    def shared_inline_ok(self) -> bool:
        return True

    async def receive_shared(self, event: dict) -> None:
        if (
            self.shared_backlog is None
            and not self.shared_holds
            and self.shared_inline_ok()
        ):
            await self._dispatch_shared(event)
            return
        if self.shared_backlog is None:
            self.shared_backlog = collections.deque()
        self.shared_backlog.append(event)
        self._drain_soon()

    @contextlib.contextmanager
    def shared_held(self):
        self.shared_holds += 1
        try:
            yield
        finally:
            self.shared_holds -= 1
            if self.shared_backlog:
                self._drain_soon()

    def _drain_soon(self):
        if self.shared_holds or (self.shared_drain and not self.shared_drain.done()):
            return
        self.shared_drain = asyncio.create_task(self._drain_shared())

    async def _drain_shared(self):
        while self.shared_backlog and not self.shared_holds:
            # Left in place while handled: later events queue behind it.
            await self._dispatch_shared(self.shared_backlog[0])
            self.shared_backlog.popleft()
        if not self.shared_backlog:
            self.shared_backlog = None

    async def _dispatch_shared(self, event):
        try:
            await self.dispatch(event)
        except Exception:
            if getattr(self, "leaving", None) is None:
                logger.exception("%s: %s failed", type(self).__name__, event["type"])
            # Else the socket closed under it (autobahn's Disconnected): no
            # page left to tell.
