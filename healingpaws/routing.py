"""Every WebSocket route of the site, from each app's own routing.py; mounted
by asgi.py behind the origin and authentication checks."""

from accounts.routing import websocket_urlpatterns as accounts_routes
from consultation.routing import websocket_urlpatterns as consultation_routes
from reservations.routing import websocket_urlpatterns as reservations_routes

websocket_urlpatterns = [
    *accounts_routes,
    *consultation_routes,
    *reservations_routes,
]
