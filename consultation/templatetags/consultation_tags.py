from django import template
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from consultation.consumers import FRAME_MAX_BYTES
from consultation.payloads import MESSAGE_TEMPLATE
from core import presence
from core.templatetags.core_tags import Kept, live_socket

register = template.Library()


@register.inclusion_tag("consultation/includes/online_now.html")
def online_now(role):
    """How many doctors (or customers) are online now; live.js keeps it up to
    date on signed-in pages. Nothing when presence is unknown."""
    return {"role": role, "count": presence.online_count(role)}


@register.simple_tag
def chat_socket(thread):
    """The data attributes of a thread's live chat (static/js/consultation.js):
    its socket, the close codes and the largest frame it may send."""
    return live_socket(
        f"/ws/consultation/{thread.pk}/", frame_max_bytes=FRAME_MAX_BYTES
    )


@register.simple_tag(takes_context=True)
def thread_message(context, message):
    """One message of a thread page (consultation/includes/message.html, in
    the site's layout), rendered once and kept (issue 14): a page shows
    thirty, and as an include each they were a third of its time. The key
    holds every value the template (with its avatar and "seen" mark) reads,
    so a message kept is the message those values make; whatever the
    template comes to read must join it."""
    seen = context.get("seen_message_id") == message.pk
    viewer_is_hospital = bool(context.get("viewer_is_hospital"))
    sender = message.sender
    key = (
        get_language(),
        timezone.get_current_timezone_name(),
        message.pk,
        message.thread_id,
        message.kind,
        message.created_at,
        message.display_text,
        message.text,
        message.urgent,
        message.photo.name,
        message.from_hospital,
        sender
        and (
            sender.pk,
            sender.name,
            sender.initials,
            sender.avatar_color,
            sender.avatar_thumbnail.name,
        ),
        seen,
        seen and viewer_is_hospital,
    )
    html = _kept_messages.get(key)
    if html is None:
        html = render_to_string(
            MESSAGE_TEMPLATE,
            {
                "message": message,
                "seen_message_id": message.pk if seen else None,
                "viewer_is_hospital": viewer_is_hospital,
            },
        )
        _kept_messages.put(key, html)
    return html


_kept_messages = Kept(4096)
