from django.utils.functional import SimpleLazyObject

from core.user_counts import cached_user_count

from .models import Notification


def unread_notifications_count(user_id: int) -> str:
    """core.user_counts' name of a user's unread count: its own generation,
    started again by notifications.py whenever it sends or marks one read."""
    return f"unread-notifications:{user_id}"


def notifications(request):
    """The navbar bell's unread count, counted only by pages that show it;
    cached per user until a notification of theirs is sent or read."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    count = SimpleLazyObject(lambda: unread_notifications(user))
    return {"unread_notifications": count}


def unread_notifications(user) -> int:
    """How many of the user's notifications are unread, from the cache while
    none has been sent or read since it was counted."""
    return cached_user_count(
        unread_notifications_count(user.pk),
        user.pk,
        lambda: Notification.objects.for_user(user).unread().count(),
    )
