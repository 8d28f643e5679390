"""Who is online: doctors and customers with at least one open page.

Every open socket of a signed-in user (ws/notifications/ on every page, the
chat socket on a thread page) holds an entry: role, user and channel name,
with an expiry. The socket renews its entry every heartbeat() seconds and
removes it when it closes; the entries of a process that crashed are never
removed, they expire within ttl() seconds (45 by default). A count is the
number of distinct users with an entry that has not expired.

With REDIS_URL the entries live in Redis, shared by every daphne process (one
sorted set per role, scored by expiry); without it, in this process's memory,
which is right for the single development server (presence_store.py).

Presence is a convenience: when Redis is away the counts are unknown (None)
and pages leave them out; nothing else fails for it.
"""

import asyncio
import functools
import json
import logging
import time
import weakref

import redis
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from . import presence_store
from .trips import shared_trip

DOCTOR, CUSTOMER = "doctor", "customer"
ROLES = (DOCTOR, CUSTOMER)  # counted online
# Watches both counts, as doctors do, counted in neither: not a customer
# online, nor a doctor a customer can reach.
FRONT_DESK = "front_desk"


def ttl() -> float:
    """Seconds an entry counts without being renewed (PRESENCE_TTL_SECONDS):
    how long a crashed process's sockets go on counting."""
    return settings.PRESENCE_TTL_SECONDS


def heartbeat() -> float:
    """Sockets renew their entries three times per TTL: a live one never
    comes near expiring."""
    return ttl() / 3


logger = logging.getLogger("healingpaws.presence")


def presence_group(role: str) -> str:
    """The channel-layer group of the sockets that show how many of `role`
    are online: customers watch doctors, doctors watch both."""
    return f"presence-{role}"


def watched_roles(role: str) -> tuple[str, ...]:
    return ROLES if role in (DOCTOR, FRONT_DESK) else (DOCTOR,)


def _member(user_id, channel) -> str:
    """A socket's entry: its user, counted once however many pages they
    have open, and its channel."""
    return f"{user_id}:{channel}"


def presence_enter(
    *, role: str, user_id: int, channel: str, publish: bool = True
) -> None:
    """Count a socket (or renew its entry); tell the watchers if a count moved
    (this one's, or another's whose entries have expired meanwhile). A socket
    passes publish=False and calls publish_soon(ROLES) instead."""
    if role not in ROLES:
        return  # watches, never counted (FRONT_DESK)
    try:
        presence_store.store().put(role, _member(user_id, channel), time.time() + ttl())
        if publish:
            for changed in ROLES:
                _publish_if_changed(changed)
    except Exception:
        logger.warning("presence of %s not recorded", channel, exc_info=True)


def presence_leave(
    *, role: str, user_id: int, channel: str, publish: bool = True
) -> None:
    if role not in ROLES:
        return
    try:
        presence_store.store().remove(role, _member(user_id, channel))
        if publish:
            _publish_if_changed(role)
    except Exception:
        # The entry expires by itself within TTL.
        logger.warning("presence of %s not removed", channel, exc_info=True)


def online_count(role: str) -> int | None:
    """How many distinct users of `role` have a live socket; None if unknown."""
    try:
        return presence_store.store().users(role, time.time())
    except redis.RedisError:
        logger.warning("presence unavailable", exc_info=True)
        return None


def presence_expire() -> int:
    """Drop the entries that have expired (the sockets of a process that
    crashed, which never left) and tell the watchers the counts that moved.
    Reading a count drops them too, but nothing reads while nobody comes or
    goes: the pages would show the crashed process's users online until then.
    Returns how many entries were dropped (0 when the store is away)."""
    try:
        dropped = sum(
            presence_store.store().expire(role, time.time()) for role in ROLES
        )
        for role in ROLES:
            _publish_if_changed(role)
    except Exception:
        logger.warning("presence: expired entries not dropped", exc_info=True)
        return 0
    return dropped


def _publish_if_changed(role):
    """Push the new count to the watchers when it differs from the last one
    pushed. Concurrent changes may push the same count twice; the last push
    always carries a fresh count, so watchers end right."""
    count = _changed_count(role)
    if count is not None:
        async_to_sync(get_channel_layer().group_send)(
            presence_group(role), _count_event(role, count)
        )


def _changed_count(role):
    """The count of `role` if it differs from the last one pushed, else None."""
    count = online_count(role)
    if count is None or presence_store.store().swap_published(role, count) == count:
        return None
    return count


def _count_event(role, count):
    return {"type": "presence.count", "role": role, "count": count}


# --- count pushes from the sockets, coalesced ---------------------------------------

# Every socket that opens, closes or renews its entry may move a count, and a
# count push reaches every socket of the role's group: 200 doctors opening
# their pages made 200 pushes of 200 frames each (issue 14). So a process
# pushes the count of a role at most once per BROADCAST_SECONDS: the first
# change at once, the next ones together once the interval has passed, with
# the count read then. Several processes each do so; the shared "published"
# mark (swap_published) keeps them from pushing a count already pushed.
BROADCAST_SECONDS = 1.0

# Per event loop (one in daphne; a test's sockets have their own): the last
# push by role, and the push waiting for the interval to pass.
_broadcasts: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


async def publish_soon(layer, roles) -> None:
    """Tell the watchers of `roles` their counts, coalesced (above)."""
    loop = asyncio.get_running_loop()
    last, waiting = _broadcasts.setdefault(loop, ({}, {}))
    for role in roles:
        if role in waiting:
            continue  # the waiting push reads the count when it goes
        wait = last.get(role, float("-inf")) + BROADCAST_SECONDS - time.monotonic()
        if wait > 0:
            waiting[role] = loop.create_task(_publish_later(layer, role, wait))
        else:
            last[role] = time.monotonic()
            await _publish(layer, role)


async def _publish_later(layer, role, wait):
    last, waiting = _broadcasts[asyncio.get_running_loop()]
    try:
        await asyncio.sleep(wait)
    finally:
        # Before the count is read: a change after the read waits anew.
        waiting.pop(role, None)
    last[role] = time.monotonic()
    await _publish(layer, role)


async def _publish(layer, role):
    try:
        # Redis only, no database: off the thread the sockets' database
        # work shares.
        count = await sync_to_async(_changed_count, thread_sensitive=False)(role)
        if count is not None:
            await layer.group_send(presence_group(role), _count_event(role, count))
    except Exception:
        logger.warning("presence count of %s not pushed", role, exc_info=True)


# --- where the entries live ------------------------------------------------------


# --- sockets ----------------------------------------------------------------------


def _off_thread(func):
    """sync_to_async for the store's calls, which read Redis (or this
    process's memory) and never the database: not through the one thread
    that every socket's database work shares."""
    return sync_to_async(func, thread_sensitive=False)


@functools.lru_cache(maxsize=64)
def _count_frame(role: str, count: int | None) -> str:
    return json.dumps({"type": "presence", "counts": {role: count}})


def _entry(consumer, now, counted):
    """What presence_store.enter_and_count() takes for a counted socket: its
    role (None for one that watches only), entry, expiry and the roles whose
    counts it reads."""
    role = consumer.presence_role if consumer.presence_role in ROLES else None
    member = _member(consumer.presence_user_id, consumer.channel_name)
    return (role, member, now + ttl(), counted)


def enter_presence(admitted) -> None:
    """Count each admitted socket, (consumer, user), in the role it connects
    in, and read the counts it greets its page with (presence_greeting):
    sync, in the connect's trip (core.consumers), one round trip to the store
    for the sockets opening together. The socket has joined the count groups
    already: a change after the read reaches it."""
    admitted = [
        (consumer, user)
        for consumer, user in admitted
        if getattr(consumer, "leaving", None) is None  # closed meanwhile
    ]
    for consumer, user in admitted:
        consumer.presence_role = consumer.connect_role
        consumer.presence_user_id = user.pk
        # From here on presence_stop() removes the entry.
        consumer.presence_started = True
    now = time.time()
    entries = [
        _entry(consumer, now, watched_roles(consumer.presence_role))
        for consumer, _user in admitted
    ]
    try:
        counts = presence_store.store().enter_and_count(entries, now)
    except Exception:
        logger.warning(
            "presence of %d sockets not recorded", len(entries), exc_info=True
        )
        counts = [[None] * len(watched) for *_, watched in entries]
    for (consumer, _user), (*_, watched), its_counts in zip(
        admitted, entries, counts, strict=True
    ):
        consumer.presence_greeting = {
            "type": "presence",
            "counts": dict(zip(watched, its_counts, strict=True)),
        }


def _renew(consumers):
    """presence_enter(publish=False) of each socket: their entries renewed in
    one round trip to the store."""
    now = time.time()
    entries = [
        _entry(consumer, now, counted=())
        for consumer in consumers
        if consumer.presence_role in ROLES  # the front desk watches only
    ]
    try:
        if entries:
            presence_store.store().enter_and_count(entries, now)
    except Exception:
        logger.warning(
            "presence of %d sockets not renewed", len(entries), exc_info=True
        )
    return [None] * len(consumers)


_renewals_trip = _off_thread(_renew)


class PresenceMixin:
    """For the consumers of signed-in users' pages: the socket counts while it
    is open, renews its entry every heartbeat() seconds, and passes count changes
    of the roles its user watches on to the page as {"type": "presence"}.

    The consumer says which role its user counts in: presence_role_of(user),
    one of ROLES, or FRONT_DESK for a socket that watches without counting
    (presence knows no more of users than that). It joins the count groups
    with the consumer's join_shared() (core.consumers), which also leaves
    them when the socket ends."""

    def presence_role_of(self, user) -> str:
        """DOCTOR, CUSTOMER or FRONT_DESK (sync: may query)."""
        raise NotImplementedError

    presence_role = None  # until the socket is counted (enter_presence)

    def presence_groups(self) -> tuple[str, ...]:
        """The count groups, joined before the socket's role is known (the
        counts it is greeted with are read with its entry): each role's. A
        socket hears only the roles it watches (presence_count)."""
        return tuple(presence_group(role) for role in ROLES)

    async def presence_begin(self):
        """Once counted (enter_presence): renew the entry every heartbeat,
        and tell the others' pages of the new counts."""
        self.presence_heartbeat = asyncio.create_task(self._presence_beat())
        await publish_soon(self.channel_layer, ROLES)

    async def presence_stop(self):
        """Stop counting; safe to call twice, and after a failed start."""
        if not getattr(self, "presence_started", False):
            return
        self.presence_started = False
        # Let go of the task as well: cancelled, it keeps its frame, which
        # refers to this consumer (a cycle, freed only by a full collection).
        if heartbeat_task := self.__dict__.pop("presence_heartbeat", None):
            heartbeat_task.cancel()
        await _off_thread(presence_leave)(
            role=self.presence_role,
            user_id=self.presence_user_id,
            channel=self.channel_name,
            publish=False,
        )
        if self.presence_role in ROLES:
            await publish_soon(self.channel_layer, (self.presence_role,))

    async def presence_count(self, event):
        if self.presence_role is None or event["role"] not in watched_roles(
            self.presence_role
        ):
            return  # not counted (yet), or a role it does not watch
        # The same text for every socket of the group: serialised once.
        await self.send_text(_count_frame(event["role"], event["count"]))

    async def send_text(self, text: str) -> None:
        """A frame already serialised (LiveSocketConsumer's writes it
        straight to the connection where the server offers)."""
        await self.send(text_data=text)

    async def _presence_renew(self):
        # Shared with the sockets renewing meanwhile (core.trips): sockets
        # that opened together come due together, each heartbeat, and a hop
        # to a thread each held up the chat's messages among them.
        await shared_trip(self, _renewals_trip)
        # Either count may have moved (another's entries may have expired).
        await publish_soon(self.channel_layer, ROLES)

    async def presence_still_valid(self) -> bool:
        """Asked before each renewal: False stops counting this socket (the
        consumer closes it). A consumer checks its user here, so that a lost
        session.end does not leave them counted, or counted in a lost role."""
        return True

    async def _presence_beat(self):
        while True:
            await asyncio.sleep(heartbeat())
            try:
                still_valid = await self.presence_still_valid()
            except Exception:
                # The database away, say: presence is a convenience, and a
                # socket is not dropped for it; the next beat checks again.
                logger.warning("presence of %s not checked", self.channel_name)
                still_valid = True
            if not still_valid:
                return
            await self._presence_renew()
