"""Messages as JSON, the same for the history endpoint and the WebSocket.

Each carries its HTML, rendered by the one template of a message
(consultation/includes/message.html) in each of its layouts, which the chat
puts in the page as it is: the text is escaped there, as on the pages. The
other fields (the text as plain text among them) stay for clients that build
their own view.
"""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from core.images import image_version

MESSAGE_TEMPLATE = "consultation/includes/message.html"
# The site's thread page, and the doctor dashboard's thread page (a table row).
LAYOUTS = ("site", "admin")


def avatar_payload(user):
    url = None
    if user.avatar_thumbnail:
        url = (
            f"{reverse('accounts:avatar-thumbnail', args=[user.pk])}"
            f"?v={image_version(user.avatar_thumbnail)}"
        )
    return {"initials": user.initials, "color": user.avatar_color, "url": url}


def message_html(message):
    """The message as the pages show it, by layout, in the active language."""
    return {
        layout: render_to_string(
            MESSAGE_TEMPLATE, {"message": message, "layout": layout}
        ).strip()
        for layout in LAYOUTS
    }


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
        "html": message_html(message),
    }
