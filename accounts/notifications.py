"""Notifications: made by other apps' services, listed at /notifications/,
pushed live to the recipient's open pages over ws/notifications/.

A notification is stored in the same transaction as the change it tells of,
and so is the task that pushes it (on the "live" backend, core/realtime.py):
the push happens after the commit, off the request, and is best effort: a
page that missed it still shows the notification on its next load.
"""

import logging
from collections.abc import Iterable
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db.models import Q
from django.utils import timezone, translation
from django_tasks import task

from core.realtime import once_after_commit
from core.user_counts import user_counts_cached, user_counts_changed

from .context_processors import unread_notifications, unread_notifications_count
from .models import Notification, User
from .notification_kinds import (
    notification_kind_register,  # noqa: F401  (higher apps word their kinds here)
    notification_payload,
)

logger = logging.getLogger("healingpaws.notifications")


def notification_group(user_id: int) -> str:
    """The channel-layer group of one user's open pages (ids only, never text)."""
    return f"notifications-{user_id}"


def notification_send(
    *, recipient: User, kind: str, url: str, **params
) -> Notification:
    """Store a notification and, after the commit, push it to the recipient."""
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, url=url, params=params
    )
    user_counts_changed(unread_notifications_count(recipient.pk))  # the navbar's
    notification_push.enqueue(notification.pk)
    return notification


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them, or the given ones);
    how many. Their open pages' bells follow."""
    unread = Notification.objects.for_user(user).unread()
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return _mark_read(user, unread)


def notifications_mark_read_for_url(
    *, user: User, url: str, up_to_message: int | None = None
) -> int:
    """Reading a page reads its notifications: mark read the user's
    notifications that link to `url` (a visit's or a thread's page); how many.

    For a thread, `up_to_message` is the last message the reader has seen: a
    reply that came after it stays unread (it was not seen yet).
    """
    # Most pages are read with nothing unread: the navbar's kept count says
    # so without the UPDATE (issue 14). A count in the cache is never older
    # than the last notification committed before it (core.user_counts).
    if user_counts_cached() and not unread_notifications(user):
        return 0
    unread = Notification.objects.for_user(user).unread().filter(url=url)
    if up_to_message is not None:
        unread = unread.filter(
            Q(params__message__isnull=True) | Q(params__message__lte=up_to_message)
        )
    return _mark_read(user, unread)


def _mark_read(user, unread):
    marked = unread.update(read_at=timezone.now())
    if marked:
        user_counts_changed(unread_notifications_count(user.pk))
        # The user's other open pages follow (this one knows already).
        unread_count_push.enqueue(user.pk)
    return marked


@task(backend="live")
def unread_count_push(user_id: int) -> None:
    """Tell a user's open pages how many notifications they have unread."""
    # The count is read when sent, so that the last push always tells the
    # latest count, whichever mark or notification came first.
    try:
        unread = Notification.objects.filter(recipient_id=user_id).unread().count()
        async_to_sync(get_channel_layer().group_send)(
            notification_group(user_id),
            {"type": "notification.unread", "unread": unread},
        )
    except Exception:
        logger.warning("unread count of user %s not pushed", user_id, exc_info=True)


@task(backend="live")
def notification_push(notification_id: int) -> None:
    """Show a new notification on its recipient's open pages."""
    try:
        notification = Notification.objects.select_related("recipient").get(
            pk=notification_id
        )
    except Notification.DoesNotExist:
        return  # deleted meanwhile (its recipient's account closed)
    try:
        recipient = notification.recipient
        with translation.override(recipient.preferred_language):
            text = notification.text
        unread = Notification.objects.for_user(recipient).unread().count()
        async_to_sync(get_channel_layer().group_send)(
            notification_group(recipient.pk),
            {
                "type": "notification.new",
                "id": notification.pk,
                "text": text,
                "url": notification.url,
                "unread": unread,
                **notification_payload(notification),
            },
        )
    except Exception:
        # Redis away or the like: the notification is stored and shows on the
        # next page load; the change that made it must not fail for this.
        logger.warning("notification %s not pushed", notification_id, exc_info=True)


def user_sockets_close(user_id: int) -> None:
    """After the commit, close every open socket of a user (logout, new
    password, deactivation, a role or group taken away). Best effort, like
    the pushes; once per commit, however many changes of it ask."""
    once_after_commit(("session.end", user_id), partial(_end_sessions, user_id))


def _end_sessions(user_id):
    try:
        async_to_sync(get_channel_layer().group_send)(
            notification_group(user_id), {"type": "session.end"}
        )
    except Exception:
        logger.warning("sockets of user %s not closed", user_id, exc_info=True)
