"""ws/dashboard/: the doctors' open admin pages (the Today panel, the queue)
hear that something they show has changed, and re-read themselves.

The socket only listens and carries no data, only reasons and days
(live.py). Like ws/notifications/ it joins the user's own group, so that a
logout, a new password or a deactivation closes it too.
"""

from channels.db import database_sync_to_async

from accounts.consumers import LiveSocketConsumer
from accounts.notifications import notification_group
from accounts.roles import is_doctor
from core.sockets import CLOSE_NOT_SIGNED_IN, CLOSE_SESSION_ENDED

from .realtime import DASHBOARD_GROUP


class DashboardConsumer(LiveSocketConsumer):
    """Open on every dashboard page of a doctor: it also counts them online."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not await _is_doctor(user):
            # Accepted, then closed: the page sees the code and stops retrying.
            await self.accept()
            await self.close(code=CLOSE_NOT_SIGNED_IN)
            return
        await self.join(notification_group(user.pk), DASHBOARD_GROUP)
        await self.accept()
        await self.presence_start(user)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # This socket only listens: frames are dropped unread.
        pass

    async def dashboard_changed(self, event):
        if not await self.may_push():
            return
        await self.send_json(
            {"type": "changed", "reasons": event["reasons"], "days": event["days"]}
        )

    async def notification_new(self, event):
        # The user's group also carries their notifications, which the
        # notification socket of the same browser shows.
        pass

    async def notification_unread(self, event):
        pass  # the bell's count, likewise

    def refusal_for(self, user):
        # No longer a doctor: the page stops reconnecting.
        return None if is_doctor(user) else CLOSE_NOT_SIGNED_IN

    async def session_end(self, event):
        await self.close(code=CLOSE_SESSION_ENDED)


@database_sync_to_async
def _is_doctor(user):
    # is_doctor reads the user's groups: a query, not allowed in async code.
    return is_doctor(user)
