"""ws/dashboard/: the doctors' open admin pages (the Today panel, the queue)
hear that something they show has changed, and re-read themselves.

The socket only listens and carries no data, only reasons and days
(realtime.py). Like every socket of a signed-in user (core.consumers) it joins
the user's own group, so that a logout, a new password or a deactivation
closes it too.
"""

from accounts.consumers import UserSocketConsumer
from accounts.roles import is_hospital_staff
from core.presence import DOCTOR
from core.sockets import CLOSE_NOT_SIGNED_IN

from .realtime import DASHBOARD_GROUP, DOCTORS_DASHBOARD_GROUP


class DashboardConsumer(UserSocketConsumer):
    """Open on every dashboard page of a doctor or the front desk: it also
    counts them online."""

    def more_groups(self):
        # A doctor's also hear the alerts of visits past their maximum wait.
        # The role is the one the socket counts in (read at the connect); a
        # doctor who loses it is closed before the next push (core.consumers).
        if getattr(self, "connect_role", None) == DOCTOR:
            return (DASHBOARD_GROUP, DOCTORS_DASHBOARD_GROUP)
        return (DASHBOARD_GROUP,)

    def refusal_for(self, user):
        # Not (or no longer) hospital staff: the page stops reconnecting.
        return None if is_hospital_staff(user) else CLOSE_NOT_SIGNED_IN

    async def dashboard_changed(self, event):
        await self.push(
            {"type": "changed", "reasons": event["reasons"], "days": event["days"]}
        )

    async def dashboard_overdue(self, event):
        await self.push(
            {
                "type": "overdue",
                "visit": event["visit"],
                "pet": event["pet"],
                "band": event["band"],
                "minutes": event["minutes"],
            }
        )
