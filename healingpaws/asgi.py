"""
ASGI entry point: HTTP through Django, WebSockets through Channels.

Django is set up first, so that the consumers can import models.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healingpaws.settings")
django.setup(set_prefix=False)  # what get_asgi_application() does first

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from accounts.socket_auth import (  # noqa: E402
    SessionTokenAuthMiddleware,
    TokenOrAllowedOrigin,
)
from healingpaws import server  # noqa: E402
from healingpaws.routing import websocket_urlpatterns  # noqa: E402

# Before daphne accepts a connection: no form parsing in Twisted, and bodies
# over REQUEST_BODY_MAX_BYTES refused before they are read (server.py).
server.install()

# Django's handler, which answers a body a full disk cannot spool with the
# 503 page instead of daphne's bare 500 (server.py).
django_asgi_app = server.ASGIHandler()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # The site's cookie, or the app's session token (accounts/socket_auth.py).
        "websocket": TokenOrAllowedOrigin(
            AuthMiddlewareStack(
                SessionTokenAuthMiddleware(URLRouter(websocket_urlpatterns))
            )
        ),
    }
)
