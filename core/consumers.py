"""The base of every socket of a signed-in user (LiveSocketConsumer).

It owns what the site's sockets share: the connect (refused sockets are
accepted, then closed with a code from sockets.py), the user's own group, which
also carries "session.end" (sent when the user logs out, changes the password,
is deactivated or loses a role) and closes the socket, the broadcast groups
(all of them, the user's too, joined once per process: fanout.py), presence,
and the re-check that the socket's session still belongs to a user who may
use it: before a push is forwarded, at each frame, and at each presence
heartbeat (trips.py).
The consumers built on it keep only their own frames.
"""

import asyncio
import functools
import logging
import random
import time
import uuid

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch

from .access_checks import admissions, checked_user, checked_users
from .deferred_auth import resolved_user
from .fanout import SharedGroupsMixin
from .presence import PresenceMixin, enter_presence
from .sockets import (
    CLOSE_NOT_SIGNED_IN,
    CLOSE_SESSION_ENDED,
    FRAME_WRITER_EXTENSION,
    session_tag,
)
from .trips import Gathering, shared_trip, socket_database

logger = logging.getLogger("healingpaws.sockets")

# A push reaches a page only while the socket's session still belongs to a
# user who may see it (the user in the scope was fixed at connect). Whatever
# takes access away closes the user's sockets at once (session.end, after the
# commit); the re-check before a push covers a session.end that was lost (a
# Redis blip). Checked at every push, one chat message to 200 open pages
# would cost 200 checks, so a socket trusts its last check (a push's, a
# frame's or its presence heartbeat's) for this many seconds, and a lost
# session.end lets at most that much through (bench/chat.py: every 3 s
# doubled daphne's CPU per message, with an older check).
ACCESS_RECHECK_SECONDS = 5.0
# A push past that limit waits for its socket's check; sockets that opened
# together came due together, and every five seconds one chat message waited
# for two hundred checks (bench/chat.py: the p99 35 ms, the p50 17). So a
# socket that hears pushes asks again ahead of the limit, in the background,
# while its pushes go on: at a point drawn anew after each check between
# these shares of the limit, which spreads the sockets' checks apart.
ACCESS_REFRESH_SHARES = (0.55, 0.75)
# They wait up to a second for company (as many as core.compiled_query's
# largest batch) in trips of their own: fewer trips, none in the middle of
# the broadcast that found them due, and done by the limit (3.75 + 1 < 5 s).
CHECK_AHEAD_GATHERING = Gathering(items=64, seconds=1.0)

# Sockets opening together share the connect's trip (core.trips), but not
# evenly: as a trip's twenty sockets finish their handshakes, the next ones
# arrive one or two at a time, and a trip that went at once carried one
# socket for the price of twenty (1.6 ms of the database thread's CPU a trip,
# 0.1 ms a socket). Waiting up to 5 ms for ten, 600 sockets went in about
# half as many trips, and opened a fifth faster (bench/chat.py).
ADMISSIONS_GATHERING = Gathering(items=10, seconds=0.005)


class LiveSocketConsumer(PresenceMixin, SharedGroupsMixin, AsyncJsonWebsocketConsumer):
    """The base of the site's sockets (notifications, chat, dashboard).

    A consumer says whose pages it serves and what they hear:
    - user_group(user_id): the group of the user's own pages (session.end);
    - presence_role_of(user): the role the user counts in (PresenceMixin);
    - held(user): whether a signed-in user's session is held (second factor);
    - admit(user): None, or the code to refuse a signed-in user with (sync:
      runs in the connect's one database trip, with what it reads);
    - refusal_for(user): what it needs of the user besides being signed in,
      asked again before pushes, at frames and at heartbeats;
    - more_groups(): the broadcast groups it joins besides the user's
      (all through the process's fan-out, fanout.py: one channel per process);
    - greetings(user): the frames it sends first (sync, in the same trip);
    - receive_frame(text): a frame from the page (by default dropped unread).

    The groups it joins and its presence are left however it ends. Channels
    calls disconnect() only on a clean close; a handler that raises ends the
    consumer without it, and the socket would stay in its groups (the shared
    presence groups too) for the layer's group_expiry, a day, and go on
    counting as online through its heartbeat. So the cleanup runs in a
    `finally` around the whole consumer as well.
    """

    user = None
    access_checked_at = float("-inf")
    access_refresh_at = float("inf")  # to check ahead (ACCESS_REFRESH_SHARES)
    access_refreshing = None  # its task
    access_lost = False

    def user_group(self, user_id: int) -> str:
        raise NotImplementedError

    # Channels' AsyncConsumer.__call__, without the socket's own channel on
    # the layer, which nothing ever sent to (all comes through the process's
    # groups, fanout.py): its SUBSCRIBE and UNSUBSCRIBE were 12% of the chat's
    # opening CPU (bench/chat.py). The name stays, for presence's entries.
    async def __call__(self, scope, receive, send):
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = f"socket.{uuid.uuid4().hex}"
        self.base_send = send
        try:
            await await_many_dispatch([receive], self.dispatch)
        except StopConsumer:
            pass  # closed
        finally:
            await self.leave_everything()

    # Channels' own dispatch() runs close_old_connections() through
    # sync_to_async before every handler: a hop through the one thread that
    # runs every socket's database work, for each of the 200 sockets a chat
    # message reaches (12-18% of daphne's samples, issue 14). Here no handler
    # touches the database but through database_sync_to_async (its
    # socket_database form), which closes stale connections before and after
    # the call itself; so no handler is preceded by it.
    async def dispatch(self, message):
        name = get_handler_name(message)
        handler = getattr(self, name, None)
        if handler is None:
            # An event this socket has no handler for (a newer process of a
            # rolling deploy sends a new kind to a shared group) is dropped,
            # not a crash.
            logger.warning(
                "%s: no handler for %s", type(self).__name__, message["type"]
            )
            return
        await handler(message)

    # --- connect and close

    async def connect(self):
        # Broadcasts that come before the page has its greeting and counts
        # wait (as they did in the socket's channel while connect() ran).
        with self.shared_held():
            # Before the counts are read, so that no change between is missed.
            await self.join_shared(*self.presence_groups())
            # One trip for the whole connect, shared with the sockets opening
            # meanwhile (issue 14): who the session belongs to, held or not,
            # what the socket needs, presence role, greeting, presence entry.
            user, refusal = await shared_trip(
                self, _admissions_trip, ADMISSIONS_GATHERING
            )
            if refusal is not None:
                await self.leave_shared()
                # Accepted, then closed: the page sees the code (refused
                # before the handshake it would only see 1006 and retry).
                await self.accept()
                await self.close(code=refusal)
                return
            self.user = user
            # A failure leaves the rest unjoined; the cleanup leaves the others.
            await self.join_shared(self.user_group(user.pk), *self.more_groups())
            self.access_checked()  # by the trip
            await self.presence_begin()
            await self.accept()
            for frame in [*self.greeting_frames, self.presence_greeting]:
                await self.send_text(await self.encode_json(frame))

    def admission(self):
        """(user, None) to let the socket in, (user, code) to refuse it; sync,
        the connect's one database trip. Also reads the user's presence role
        and greeting frames for the connect."""
        user = resolved_user(self.scope)
        if not (user.is_authenticated and user.is_active) or self.held(user):
            return user, CLOSE_NOT_SIGNED_IN
        refusal = self.admit(user)
        if refusal is None:
            self.connect_role = self.presence_role_of(user)
            self.greeting_frames = self.greetings(user)
        return user, refusal

    def held(self, user) -> bool:
        """Whether the signed-in user's session may not use sockets yet."""
        return False

    def admit(self, user) -> int | None:
        """None to let a signed-in user in, or the code to close with; the
        place to read what the socket needs (sync: runs in the connect's
        database trip)."""
        return self.refusal_for(user)

    def more_groups(self) -> tuple[str, ...]:
        return ()

    def greetings(self, user) -> list[dict]:
        """The frames sent first, read in the connect's trip (sync)."""
        return []

    async def disconnect(self, code):
        await self.leave_everything()

    async def leave_everything(self) -> None:
        """Stop counting and leave every group; safe to call twice.

        Shielded: daphne cancels a consumer that is slow to end after its
        client left (a burst of closes is slow), and a cancelled cleanup would
        leave the rest undone. The shielded task finishes regardless."""
        if getattr(self, "leaving", None) is None:
            self.leaving = asyncio.ensure_future(self._leave_everything())
        await asyncio.shield(self.leaving)

    async def _leave_everything(self):
        # Out of the consumer before it is cancelled: a cancelled task keeps
        # its exception, whose traceback holds the consumer (a cycle, freed
        # only by a full collection).
        checking = self.__dict__.pop("access_refreshing", None)
        if checking is not None:
            checking.cancel()
        try:
            await self.presence_stop()
        finally:
            await self.leave_shared()

    # --- from the page

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if self.user is None or self.access_lost:
            return  # refused, closing
        # Broadcasts wait while the page's frame is handled: the sender hears
        # the ack of its message before the message itself, as in its channel.
        with self.shared_held():
            await self.receive_frame(text_data)

    async def receive_frame(self, text_data) -> None:
        """A frame of the signed-in page; a socket that only listens drops it."""

    async def current_user(self):
        """At a frame: the user the socket's session belongs to now, if they
        may still use the socket; else None, and the socket closes."""
        user, refusal = await shared_trip(self, _checked_users_trip)
        return user if await self.access_confirmed(refusal) else None

    # --- from the channel layer

    def shared_inline_ok(self) -> bool:
        # A push then only writes the frame (SharedGroupsMixin).
        return not self.access_lost and self._access_fresh()

    def _access_fresh(self) -> bool:
        return time.monotonic() - self.access_checked_at < ACCESS_RECHECK_SECONDS

    async def push(self, frame: dict) -> None:
        """Forward a frame of a broadcast, if the page may still hear it."""
        if await self.may_push():
            await self.send_json(frame)

    async def push_text(self, text: str) -> None:
        """push() of a frame already serialised: a broadcast to many pages
        builds its JSON once (per language), not once per socket."""
        if await self.may_push():
            await self.send_text(text)

    async def send_text(self, text: str) -> None:
        """Send a frame already serialised, its bytes made once for every
        page where the server offers (FRAME_WRITER_EXTENSION)."""
        if self.write_frame is None or not self.write_frame(text):
            await self.send(text_data=text)

    @functools.cached_property
    def write_frame(self):
        offered = (self.scope.get("extensions") or {}).get(FRAME_WRITER_EXTENSION)
        return offered["write"] if offered else None

    async def session_end(self, event):
        # An event naming one session (signed out from the sessions page of
        # another device) closes only that session's sockets.
        ended = event.get("session")
        if ended is not None and ended != session_tag(
            self.scope["session"].session_key
        ):
            return
        await self.close(code=CLOSE_SESSION_ENDED)

    # The user's group also carries their notifications, which the
    # notification socket of the same browser shows; other sockets drop them.
    async def notification_new(self, event):
        pass

    async def notification_unread(self, event):
        pass  # the bell's count, likewise

    # --- access

    async def may_push(self) -> bool:
        """Whether the page may still hear pushes; closes the socket if not.
        Waits for access_refusal() once the last check is older than
        ACCESS_RECHECK_SECONDS; asks it ahead, without waiting, from the
        socket's drawn point before that (ACCESS_REFRESH_SHARES)."""
        if self.access_lost:
            return False
        if self._access_fresh():
            checking = self.access_refreshing
            if time.monotonic() >= self.access_refresh_at and (
                checking is None or checking.done()
            ):
                self.access_refreshing = asyncio.ensure_future(self._check_ahead())
            return True
        return await self.access_confirmed(await self.access_refusal())

    async def _check_ahead(self):
        try:
            _user, refusal = await shared_trip(
                self, _checked_ahead_trip, CHECK_AHEAD_GATHERING
            )
        except Exception:
            # The database away, say: no retry at every push; pushes go on
            # until the limit, and the first one past it asks (and waits).
            logger.warning("access of %s not checked ahead", self.channel_name)
            self.access_refresh_at = self.access_checked_at + ACCESS_RECHECK_SECONDS
            return
        await self.access_confirmed(refusal)

    def access_checked(self) -> None:  # found nothing against the socket now
        self.access_checked_at = now = time.monotonic()
        share = random.uniform(*ACCESS_REFRESH_SHARES)  # noqa: S311 (a spread)
        self.access_refresh_at = now + ACCESS_RECHECK_SECONDS * share

    async def access_confirmed(self, refusal: int | None) -> bool:
        """Record a fresh check: None, or the code to close the socket with."""
        if refusal is None:
            self.access_checked()
            return True
        self.access_lost = True
        await self.close(code=refusal)
        # At once, not when the client has answered the close: no more
        # pushes, and no longer counted online. (From the heartbeat, this
        # cancels the heartbeat's own task; the cleanup is shielded.)
        await self.leave_everything()
        return False

    async def access_refusal(self) -> int | None:
        """None while the socket's session is still its user's, signed in
        and active, and refusal_for() has nothing against them; else the
        code to close the socket with. Asked with the other sockets of the
        process that ask meanwhile (core.trips, core.access_checks)."""
        _user, refusal = await shared_trip(self, _checked_users_trip)
        return refusal

    async def presence_still_valid(self):
        # Every heartbeat (PRESENCE_TTL_SECONDS / 3), whatever the last check.
        return await self.access_confirmed(await self.access_refusal())

    def _checked_user(self):
        """(the user of the socket's session now, None or the code to close
        with); sync, one query."""
        return checked_user(self)

    def _refusal(self, user):
        if user.pk != self.scope["user"].pk or not user.is_active:
            return CLOSE_SESSION_ENDED
        if refusal := self.refusal_for(user):
            return refusal
        counted_as = getattr(self, "presence_role", None)
        if counted_as is not None and counted_as != self.presence_role_of(user):
            # Promoted or demoted: the page reconnects and counts in its role.
            return CLOSE_SESSION_ENDED
        return None

    def refusal_for(self, user) -> int | None:
        """What a socket needs besides a signed-in user (sync: may query)."""
        return None

    @classmethod
    def checked_users_query(cls, users):
        """`users` (a queryset of the user model) with what refusal_for() and
        presence_role_of() will ask of a user read along (annotated), so
        that the checks read it with the user (sync, no query)."""
        return users

    @classmethod
    def prepare_admissions(cls, consumers) -> None:
        """Read at once what admit() will ask for each of these connecting
        sockets (sync: the connects' shared trip, after their users)."""


def _admissions_and_presence(consumers):
    answers = admissions(consumers)
    enter_presence(
        (consumer, answer[0])
        for consumer, answer in zip(consumers, answers, strict=True)
        if not isinstance(answer, Exception) and answer[1] is None
    )
    return answers


_checked_users_trip = socket_database(checked_users)
_checked_ahead_trip = socket_database(checked_users)  # another kind of trip
_admissions_trip = socket_database(_admissions_and_presence)
