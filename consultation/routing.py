"""WebSocket routes, mounted by healingpaws/asgi.py behind origin and auth checks."""

from django.urls import path

from accounts.consumers import NotificationConsumer
from reservations.consumers import DashboardConsumer

from .consumers import ConsultationConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    path("ws/consultation/<int:pk>/", ConsultationConsumer.as_asgi()),
    path("ws/dashboard/", DashboardConsumer.as_asgi()),
]
