"""Messages as JSON, the same for the history endpoint and the WebSocket.

Text goes out as plain text: clients insert it with textContent, never as HTML.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from core.images import image_version


def avatar_payload(user):
    url = None
    if user.avatar_thumbnail:
        url = (
            f"{reverse('accounts:avatar-thumbnail', args=[user.pk])}"
            f"?v={image_version(user.avatar_thumbnail)}"
        )
    return {"initials": user.initials, "color": user.avatar_color, "url": url}


def message_payload(message):
    """One message, as the history endpoint and the socket send it."""
    sender = message.sender
    photo_url = thumbnail_url = None
    if message.photo:
        args = [message.thread_id, message.pk]
        photo_url = reverse("consultation:photo", args=args)
        thumbnail_url = reverse("consultation:photo-thumbnail", args=args)
    return {
        "id": message.pk,
        "sender": sender.name if sender else None,
        "sender_id": sender.pk if sender else None,
        "sender_is_doctor": message.from_hospital,
        "avatar": avatar_payload(sender) if sender else None,
        "text": message.display_text,
        "photo_url": photo_url,
        "thumbnail_url": thumbnail_url,
        "urgent": message.urgent,
        "kind": message.kind,
        "event": message.event,
        "created_at": message.created_at.isoformat(),
        # As the pages show it, in the reader's language and the hospital's time.
        "created_at_display": date_format(
            timezone.localtime(message.created_at), "SHORT_DATETIME_FORMAT"
        ),
    }
