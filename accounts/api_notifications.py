"""The owner's notifications in the API (/api/v1/notifications/): the list
(newest first, in cursor pages), one or all marked read, the unread count.

The same queryset and service as the notifications page
(accounts.notifications): marking read here lowers the bell of the owner's
open pages and sockets too. Decision: listing reads nothing (the page marks
what it shows read; an app may list in the background), the app marks read.
The text is written in the requester's language, as on the page. New ones
arrive over ws/notifications/ with the same token (accounts/socket_auth.py).
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from .api import error_responses
from .api_auth import CursorPagination
from .models import Notification
from .notification_kinds import notification_payload
from .notifications import notifications_mark_read


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="visit_state, consultation_reply…")
    text = serializers.CharField(help_text="In the requester's language.")
    url = serializers.CharField(help_text="The site's page it is about.")
    details = serializers.SerializerMethodField(
        help_text="What the kind adds (a visit's or thread's id, a state)."
    )
    is_read = serializers.BooleanField()
    read_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_details(self, notification) -> dict:
        return notification_payload(notification)


class UnreadSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class MarkedSerializer(UnreadSerializer):
    marked = serializers.IntegerField(help_text="How many were marked read now.")


class NotificationCursorPagination(CursorPagination):
    ordering = ("-created_at", "-pk")
    page_size = 25


def _unread(user) -> int:
    return Notification.objects.for_user(user).unread().count()


@extend_schema_view(
    list=extend_schema(
        responses={200: NotificationSerializer(many=True), **error_responses()}
    ),
    read=extend_schema(
        request=None, responses={200: MarkedSerializer, **error_responses(404)}
    ),
    read_all=extend_schema(
        request=None, responses={200: MarkedSerializer, **error_responses()}
    ),
    unread=extend_schema(responses={200: UnreadSerializer, **error_responses()}),
)
@extend_schema(tags=["notifications"])
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """What the hospital told the signed-in owner: a visit's state or band
    changed, a doctor replied, a dose is due."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # for the schema's types
    pagination_class = NotificationCursorPagination
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return Notification.objects.for_user(self.request.user)

    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one read (again: nothing changes)."""
        notification = self.get_object()
        marked = notifications_mark_read(user=request.user, ids=[notification.pk])
        return Response({"marked": marked, "unread": _unread(request.user)})

    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark every notification read, not only a page."""
        marked = notifications_mark_read(user=request.user)
        return Response({"marked": marked, "unread": 0})

    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread(self, request):
        """How many are unread: the bell's number."""
        return Response({"unread": _unread(request.user)})


router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="notification")
urlpatterns = router.urls
