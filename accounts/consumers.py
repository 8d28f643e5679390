"""ws/notifications/: a signed-in user's open pages hear of new notifications.

The socket only listens: the server pushes, the client sends nothing it acts
on. The user's group also carries "session.end", sent when the user logs out,
changes the password or is deactivated, which closes the socket; the page's
reconnect then succeeds only if its browser still has a valid session.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from consultation.presence import PresenceMixin

from .models import Notification
from .notifications import notification_group

# WebSocket close codes in the application range (4000-4999). A socket is
# accepted before it is closed, so that the browser sees the code: refused
# before the handshake it would only see 1006 and keep retrying.
CLOSE_NOT_SIGNED_IN = 4401  # for good: the page stops reconnecting
CLOSE_SESSION_ENDED = 4000  # a logout somewhere: reconnect to find out if it was us


class NotificationConsumer(PresenceMixin, AsyncJsonWebsocketConsumer):
    """Also the socket that counts a signed-in user as online (presence.py):
    every page of the site opens it."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.accept()
            await self.close(code=CLOSE_NOT_SIGNED_IN)
            return
        self.group = notification_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "unread", "unread": await _unread(user)})
        await self.presence_start(user)

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)
        await self.presence_stop()

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # This socket only listens: frames are dropped unread.
        pass

    async def notification_new(self, event):
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
