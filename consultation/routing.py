"""WebSocket routes, mounted by healingpaws/asgi.py behind origin and auth checks.

The consultation and notification consumers arrive with the real-time feature;
until then every socket is refused by the empty router.
"""

websocket_urlpatterns = []
