"""
ASGI entry point: HTTP through Django, WebSockets through Channels.

Django is set up first, so that the consumers can import models.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healingpaws.settings")
django.setup(set_prefix=False)  # what get_asgi_application() does first

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from accounts.socket_auth import (  # noqa: E402
    SessionTokenAuthMiddleware,
    TokenOrAllowedOrigin,
)
from core.deferred_auth import DeferredAuthMiddlewareStack  # noqa: E402
from healingpaws import heap, server, websocket_protocol  # noqa: E402
from healingpaws.frame_writer import FrameWriterMiddleware  # noqa: E402
from healingpaws.routing import websocket_urlpatterns  # noqa: E402

# Before daphne accepts a connection: no form parsing in Twisted, and bodies
# over REQUEST_BODY_MAX_BYTES refused before they are read (server.py).
server.install()
# autobahn's debug line of each socket's settings, made only if written.
websocket_protocol.install()

# Django's handler, which answers a body a full disk cannot spool with the
# 503 page instead of daphne's bare 500 (server.py).
django_asgi_app = server.ASGIHandler()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # The site's cookie, or the app's session token (accounts/socket_auth.py).
        # The cookie's user is read in the consumer's one database trip of
        # the connect, not by a trip of the middleware's own (core/consumers.py).
        # Broadcasts' frames written straight to the connections (frame_writer.py).
        "websocket": FrameWriterMiddleware(
            TokenOrAllowedOrigin(
                DeferredAuthMiddlewareStack(
                    SessionTokenAuthMiddleware(URLRouter(websocket_urlpatterns))
                )
            )
        ),
    }
)

# Last: everything above lives as long as the process (heap.py).
heap.freeze_startup_objects()
