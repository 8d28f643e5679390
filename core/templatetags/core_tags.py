"""What the page scripts need to know of Python, as data attributes: Python
stays the single source of close codes and limits (static/js/lib/socket.js
reads them)."""

from django import template
from django.utils.html import format_html_join

from core import sockets

register = template.Library()


def _attribute(name):
    return name.lower().replace("_", "-")


def close_codes():
    """Every close code of core/sockets.py as a data attribute's name and
    value: CLOSE_NOT_SIGNED_IN -> ("close-not-signed-in", 4401)."""
    return {
        _attribute(name): value
        for name, value in vars(sockets).items()
        if name.startswith("CLOSE_") and isinstance(value, int)
    }


@register.simple_tag
def live_socket(url, **limits):
    """The attributes of an element that opens a live socket:
    data-socket-url, the close codes (data-close-not-signed-in="4401", ...)
    and any limits given (frame_max_bytes=4096: data-frame-max-bytes="4096")."""
    attributes = {
        "socket-url": url,
        **close_codes(),
        **{_attribute(name): value for name, value in limits.items()},
    }
    return format_html_join(
        " ", 'data-{}="{}"', ((name, value) for name, value in attributes.items())
    )
