"""ws/notifications/: a signed-in user's open pages hear of new notifications.

The socket only listens: the server pushes, the client sends nothing it acts
on. The user's group also carries "session.end", sent when the user logs out,
changes the password, is deactivated or loses a role, which closes the socket;
the page's reconnect then succeeds only if its browser still has a valid session.

Also the base of every socket of a signed-in user (LiveSocketConsumer).
"""

import asyncio
import logging
import time
from importlib import import_module
from types import SimpleNamespace

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib import auth

from core.presence import CUSTOMER, DOCTOR, PresenceMixin, group_discard_quietly
from core.sockets import CLOSE_NOT_SIGNED_IN, CLOSE_SESSION_ENDED

from .models import Notification
from .notifications import notification_group
from .roles import is_doctor

logger = logging.getLogger("healingpaws.sockets")


# A push reaches a page only while the socket's session still belongs to a
# user who may see it (the user in the scope was fixed at connect). Whatever
# takes access away closes the user's sockets at once (session.end, after the
# commit); the re-check before a push covers a session.end that was lost (a
# Redis blip). It costs three queries (session, user, groups) and a few ms of
# the one thread that runs every socket's database work: on every push, one
# chat message to a thread with 200 open pages would cost 600 queries. So a
# socket trusts its last check (a push's, a frame's or its presence
# heartbeat's) for this many seconds, and a lost session.end lets at most that
# much through. Measured with bench/chat.py (200 sockets, 5 messages a second):
# checking every 3 s doubled daphne's CPU per message and took the p50 from
# 1.2 to 8 times the echo's; every 5 s, with the chat's cheaper check (no
# thread query), +30% CPU and 2.6 times the echo's.
ACCESS_RECHECK_SECONDS = 5.0


class LiveSocketConsumer(PresenceMixin, AsyncJsonWebsocketConsumer):
    """The base of the site's sockets (notifications, chat, dashboard).

    The groups it joins with join() and its presence are left however it
    ends. Channels calls disconnect() only on a clean close; a handler that
    raises ends the consumer without it, and the socket would stay in its
    groups (the shared presence groups too) for the layer's group_expiry, a
    day, and go on counting as online through its heartbeat. So the cleanup
    runs in a `finally` around the whole consumer as well.

    Pushes from the layer go to the page only if may_push() says so.
    """

    access_checked_at = float("-inf")
    access_lost = False

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self.leave_everything()

    async def dispatch(self, message):
        # An event this socket has no handler for (a newer process of a rolling
        # deploy sends a new kind to a shared group) is dropped, not a crash.
        if getattr(self, get_handler_name(message), None) is None:
            logger.warning(
                "%s: no handler for %s", type(self).__name__, message["type"]
            )
            return
        await super().dispatch(message)

    async def join(self, *groups: str) -> None:
        # Recorded before the add: a failed add is discarded on the way out.
        for group in groups:
            self.groups_joined = [*getattr(self, "groups_joined", ()), group]
            await self.channel_layer.group_add(group, self.channel_name)
        self.access_checked_at = time.monotonic()  # checked by connect()

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
        groups, self.groups_joined = getattr(self, "groups_joined", ()), []
        try:
            await self.presence_stop()
        finally:
            for group in groups:
                await group_discard_quietly(
                    self.channel_layer, group, self.channel_name
                )

    async def may_push(self) -> bool:
        """Whether the page may still hear pushes; closes the socket if not.
        Asks access_refusal() at most every ACCESS_RECHECK_SECONDS."""
        if self.access_lost:
            return False
        if time.monotonic() - self.access_checked_at < ACCESS_RECHECK_SECONDS:
            return True
        return await self.access_confirmed(await self.access_refusal())

    async def access_confirmed(self, refusal: int | None) -> bool:
        """Record a fresh check: None, or the code to close the socket with."""
        if refusal is None:
            self.access_checked_at = time.monotonic()
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
        code to close the socket with."""
        return await database_sync_to_async(self._refusal)()

    async def presence_still_valid(self):
        # Every heartbeat (PRESENCE_TTL_SECONDS / 3), whatever the last check.
        return await self.access_confirmed(await self.access_refusal())

    def _refusal(self):
        user = session_user(self.scope)
        if user.pk != self.scope["user"].pk or not user.is_active:
            return CLOSE_SESSION_ENDED
        if refusal := self.refusal_for(user):
            return refusal
        counted_as = getattr(self, "presence_role", None)
        if counted_as is not None and counted_as != self.presence_role_of(user):
            # Promoted or demoted: the page reconnects and counts in its role.
            return CLOSE_SESSION_ENDED
        return None

    def presence_role_of(self, user):
        return DOCTOR if is_doctor(user) else CUSTOMER

    def refusal_for(self, user) -> int | None:
        """What a socket needs besides a signed-in user (sync: may query)."""
        return None


def session_user(scope):
    """The user the socket's session belongs to now, read afresh (the scope
    holds the session as it was at the connect): anonymous once it ended."""
    session = import_module(settings.SESSION_ENGINE).SessionStore(
        scope["session"].session_key
    )
    return auth.get_user(SimpleNamespace(session=session))


class NotificationConsumer(LiveSocketConsumer):
    """Also the socket that counts a signed-in user as online (presence.py):
    every page of the site opens it."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.accept()
            await self.close(code=CLOSE_NOT_SIGNED_IN)
            return
        await self.join(notification_group(user.pk))
        await self.accept()
        await self.send_json({"type": "unread", "unread": await _unread(user)})
        await self.presence_start(user)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # This socket only listens: frames are dropped unread.
        pass

    async def notification_new(self, event):
        if not await self.may_push():
            return
        await self.send_json(
            {
                "type": "notification",
                **{
                    key: event[key]
                    for key in ("id", "text", "url", "unread", "reservation")
                    if key in event
                },
            }
        )

    async def notification_unread(self, event):
        # Some were read elsewhere (a thread, a visit page, "mark all"): the
        # bell follows.
        await self.send_json({"type": "unread", "unread": event["unread"]})

    async def session_end(self, event):
        await self.close(code=CLOSE_SESSION_ENDED)


@database_sync_to_async
def _unread(user):
    return Notification.objects.for_user(user).unread().count()
