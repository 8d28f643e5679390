"""ws/notifications/: a signed-in user's open pages hear of new notifications.

The socket only listens: the server pushes, the client sends nothing it acts
on. Like every socket of a signed-in user (core.consumers) it joins the user's
own group, whose "session.end" closes it; the page's reconnect then succeeds
only if its browser still has a valid session.
"""

from types import SimpleNamespace

from django.conf import settings

from core.consumers import LiveSocketConsumer
from core.presence import CUSTOMER, DOCTOR, FRONT_DESK

from .models import Notification
from .notifications import notification_group
from .roles import is_doctor, is_front_desk, with_role_flags
from .second_factor import is_staff_account, session_passed_second_factor


def presence_role_of(user) -> str:
    """The role a user's sockets count in (a query: call it from sync code).
    The front desk counts in none: not a customer, nor a doctor to reach."""
    if is_doctor(user):
        return DOCTOR
    return FRONT_DESK if is_front_desk(user) else CUSTOMER


class UserSocketConsumer(LiveSocketConsumer):
    """A socket of a signed-in user of this site: their own group is their
    notification group, and they count online as a doctor or a customer
    (the front desk's only watch the counts)."""

    def held(self, user):
        # The pages of a staff session that has not passed its second factor
        # are held (accounts.second_factor); its sockets are refused too.
        # Sync: in the connect's one database trip.
        if not settings.MFA_REQUIRED_FOR_STAFF:
            return False
        request = SimpleNamespace(user=user, session=self.scope["session"])
        return not session_passed_second_factor(request) and is_staff_account(user)

    def user_group(self, user_id):
        return notification_group(user_id)

    def presence_role_of(self, user):
        return presence_role_of(user)

    @classmethod
    def checked_users_query(cls, users):
        # Every refusal_for() and the presence role ask the roles.
        return with_role_flags(users)


class NotificationConsumer(UserSocketConsumer):
    """Also the socket that counts a signed-in user as online (core.presence):
    every page of the site opens it."""

    def greetings(self, user):
        unread = Notification.objects.for_user(user).unread().count()
        return [{"type": "unread", "unread": unread}]

    async def notification_new(self, event):
        # The event as pushed (accounts.notifications: id, text, url, unread
        # and what the kind's registration adds), under the page's frame type.
        await self.push({**event, "type": "notification"})

    async def notification_unread(self, event):
        # Some were read elsewhere (a thread, a visit page, "mark all"): the
        # bell follows.
        await self.send_json({"type": "unread", "unread": event["unread"]})
