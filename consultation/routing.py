"""The WebSocket routes of consultation (composed by healingpaws/routing.py)."""

from django.urls import path

from .consumers import ConsultationConsumer

websocket_urlpatterns = [
    path("ws/consultation/<int:pk>/", ConsultationConsumer.as_asgi()),
]
