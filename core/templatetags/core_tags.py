"""What the page scripts need to know of Python, as data attributes: Python
stays the single source of close codes and limits (static/js/lib/socket.js
reads them). And the `<time>` element of the site's lists."""

import functools
import threading
from collections import OrderedDict

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import formats, timezone, translation
from django.utils.html import format_html, format_html_join

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


def time_element(value, css_class=""):
    """`<time datetime="…">` with the local date and time in the short format
    of the current language: what `{{ value|date:'c' }}` and
    `{{ value|date:"SHORT_DATETIME_FORMAT" }}` make, for the rows of long
    lists (issue 14). The two filters were a good part of each row's time,
    and the same moments come back on every load of a list: each is built
    once per language and time zone."""
    return _time_element(
        translation.get_language(),
        timezone.get_current_timezone_name(),
        value,
        css_class,
    )


# The key names the instant, the language and the time zone (aware datetimes
# of one instant are equal whatever their zone).
@functools.lru_cache(maxsize=4096)
def _time_element(_language, _zone, value, css_class):
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return format_html(
        '<time{} datetime="{}">{}</time>',
        format_html(' class="{}"', css_class) if css_class else "",
        local.isoformat(),
        formats.date_format(local, "SHORT_DATETIME_FORMAT"),
    )


@receiver(setting_changed)
def _formats_changed(*, setting, **kwargs):
    # Tests that change the formats or the zone see them (as Django's own
    # format cache does).
    if setting in {"TIME_ZONE", "USE_TZ", "FORMAT_MODULE_PATH"} or setting.endswith(
        "_FORMAT"
    ):
        _time_element.cache_clear()


@register.simple_tag
def local_time(value, css_class=""):
    """A `<time>` element for a moment (see time_element)."""
    return time_element(value, css_class)


class Kept:
    """A bounded store of rendered HTML shared by a process's threads, the
    least recently used going first: for parts of pages that many requests
    render alike (issue 14)."""

    def __init__(self, size):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            html = self.items.get(key)
            if html is not None:
                self.items.move_to_end(key)
            return html

    def put(self, key, html):
        with self.lock:
            self.items[key] = html
            if len(self.items) > self.size:
                self.items.popitem(last=False)
