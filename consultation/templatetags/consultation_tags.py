from django import template

from consultation.consumers import FRAME_MAX_BYTES
from core import presence
from core.templatetags.core_tags import live_socket

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
