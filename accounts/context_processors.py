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
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: cached_user_count(
                unread_notifications_count(user.pk),
                user.pk,
                lambda: Notification.objects.for_user(user).unread().count(),
            )
        )
    }
