"""The server's start-up objects, out of the garbage collector's full passes.

Django, the admin, allauth, Channels, daphne and the URLconf's views leave
some hundreds of thousands of objects that live as long as the process. A
full collection (generation 2) walks every one of them: 80-120 ms on the
benchmark's machine, during which no socket is written and no request
answered. bench/chat.py saw it as the chat's p99 (and the bare echo's): one
message in fifty held up for its whole fan-out. Frozen (gc.freeze(), as
Instagram's servers do), they are left out of every collection; what the
process makes afterwards is collected as before.
"""

import gc

from django.urls import get_resolver


def freeze_startup_objects() -> None:
    """Load what the first request would (the URLconf and its views), then
    move everything alive to the collector's permanent generation."""
    get_resolver().url_patterns  # noqa: B018 (imports every view now)
    gc.collect()  # the start-up's garbage goes, rather than frozen with it
    gc.freeze()
