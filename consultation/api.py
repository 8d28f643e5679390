"""The owner's consultations in the API (/api/v1/consultations/): threads
(list, open, read), their messages a page at a time (`before` the oldest one
the app has), a new message (text, a photo through the site's image
pipeline, the urgent flag), and "read up to here".

The same queryset as the consultation pages (another customer's thread
answers 404), the same forms (ThreadForm, MessageForm) and services
(consultation.services: membership, closed and muted threads, limits). New
messages also reach the thread's open sockets (ws/consultation/<id>/, which
takes the same session token: accounts/socket_auth.py). Reading messages
changes nothing; the app marks them read with read/.
"""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.api import JSONErrorsNegotiation, error_responses, form_errors
from accounts.api_auth import CursorPagination
from core.images import IMAGE_UPLOAD_HELP, image_response

from . import services
from .forms import MessageForm, ThreadForm
from .models import Thread
from .views import (
    BAD_AFTER_ERROR,
    BAD_BEFORE_ERROR,
    BEFORE_AND_AFTER_ERROR,
    PHOTO_FIELDS,
    message_id_param,
)

NO_MESSAGE_ERROR = _("'up_to' must be the id of a message.")


def refused(error: ValidationError):
    """A service's refusal as the API's 400: per field when it names them."""
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(error.message_dict)
    return serializers.ValidationError({"non_field_errors": error.messages})


class ThreadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    pet = serializers.IntegerField(source="pet_id", allow_null=True)
    pet_name = serializers.CharField(source="pet.name", allow_null=True, default=None)
    state = serializers.CharField(help_text="open or closed.")
    muted_until = serializers.SerializerMethodField(
        help_text="While a doctor has paused your messages: until when."
    )
    mute_reason = serializers.SerializerMethodField()
    can_write = serializers.SerializerMethodField()
    unread_count = serializers.IntegerField()
    unread_urgent_count = serializers.IntegerField()
    last_message_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()

    def get_muted_until(self, thread) -> str | None:
        return thread.muted_until.isoformat() if thread.is_muted() else None

    def get_mute_reason(self, thread) -> str:
        return thread.mute_reason if thread.is_muted() else ""

    def get_can_write(self, thread) -> bool:
        return not thread.is_closed and not thread.is_muted()


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sender = serializers.CharField(source="sender.name", allow_null=True, default=None)
    from_hospital = serializers.BooleanField(help_text="Written by a doctor.")
    is_mine = serializers.SerializerMethodField()
    kind = serializers.CharField(
        help_text="user, or system for the hospital's notices."
    )
    event = serializers.CharField(help_text="What a system notice tells of.")
    text = serializers.CharField(
        source="display_text", help_text="Plain text, never HTML."
    )
    has_photo = serializers.SerializerMethodField()
    urgent = serializers.BooleanField()
    created_at = serializers.DateTimeField()

    def get_is_mine(self, message) -> bool:
        return message.sender_id == self.context["request"].user.pk

    def get_has_photo(self, message) -> bool:
        return bool(message.photo)


class MessagePageSerializer(serializers.Serializer):
    messages = MessageSerializer(many=True, help_text="Oldest first.")
    has_more = serializers.BooleanField(
        help_text="Older messages are left (with `after`: newer ones)."
    )


class MessageInputSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True)
    photo = serializers.FileField(required=False, help_text=str(IMAGE_UPLOAD_HELP))
    urgent = serializers.BooleanField(
        required=False, default=False, help_text="Doctors see urgent messages first."
    )


class ThreadInputSerializer(MessageInputSerializer):
    subject = serializers.CharField()
    pet = serializers.IntegerField(required=False, allow_null=True)


class ReadSerializer(serializers.Serializer):
    up_to = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="The last message read; the thread's latest if not given.",
        error_messages={"min_value": NO_MESSAGE_ERROR, "invalid": NO_MESSAGE_ERROR},
    )


def checked_form(form_class, request, serializer_class, **kwargs):
    """The page's form, bound to what the app sent (JSON or multipart). When
    DRF's own checks refuse some fields, the form still checks the others,
    so one answer names every field to correct (as FormCheckedSerializer)."""
    sent = serializer_class(data=request.data)
    if sent.is_valid():
        values = dict(sent.validated_data)
    elif not isinstance(request.data, Mapping):
        raise serializers.ValidationError(sent.errors)  # null, a list: no fields
    else:
        values = {
            name: request.data[name]
            for name in sent.fields
            if name in request.data and name not in sent.errors
        }
    photo = values.pop("photo", None)
    data = {name: value for name, value in values.items() if value is not None}
    form = form_class(data=data, files={"photo": photo} if photo else {}, **kwargs)
    valid = form.is_valid()
    if sent.errors:
        more = {
            name: errors for name, errors in form_errors(form).items() if name in values
        }
        raise serializers.ValidationError({**more, **sent.errors})
    if not valid:
        raise serializers.ValidationError(form_errors(form))
    return form.cleaned_data


def _message_id(request, name, error):
    """A message id from the query string, as the chat page's JSON reads it."""
    try:
        return message_id_param(request._request, name)
    except ValueError:
        raise serializers.ValidationError({name: [error]}) from None


class ThreadCursorPagination(CursorPagination):
    ordering = ("-last_message_at", "-pk")
    page_size = 25


BEFORE_PARAMETER = OpenApiParameter(
    "before",
    int,
    description="A message id: the messages older than it (the latest without).",
)
AFTER_PARAMETER = OpenApiParameter(
    "after",
    int,
    description="A message id: the messages newer than it, oldest first (to "
    "catch up after the socket was lost); not with `before`.",
)
SIZE_PARAMETER = OpenApiParameter("size", str, enum=list(PHOTO_FIELDS))


@extend_schema_view(
    list=extend_schema(
        responses={200: ThreadSerializer(many=True), **error_responses()}
    ),
    retrieve=extend_schema(responses={200: ThreadSerializer, **error_responses(404)}),
    create=extend_schema(
        request={
            "application/json": ThreadInputSerializer,
            "multipart/form-data": ThreadInputSerializer,
        },
        responses={201: ThreadSerializer, **error_responses(400)},
    ),
)
@extend_schema(tags=["consultations"])
class ThreadViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The signed-in owner's consultations with the hospital's doctors,
    latest message first, with their unread counts."""

    serializer_class = ThreadSerializer
    queryset = Thread.objects.none()  # for the schema's types
    pagination_class = ThreadCursorPagination
    parser_classes = [JSONParser, MultiPartParser]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        # The caller's own threads, a doctor's token too (who sees every
        # thread on the site, not through the owners' API: api_auth).
        return (
            Thread.objects.for_customer(user)
            .with_unread_count(user)
            .select_related("pet")
        )

    def _thread(self, thread):
        return self.get_serializer(self.get_queryset().get(pk=thread.pk)).data

    def create(self, request, *args, **kwargs):
        """Open a consultation with its first message (text, photo or both)."""
        fields = checked_form(
            ThreadForm, request, ThreadInputSerializer, customer=request.user
        )
        try:
            thread = services.thread_open(customer=request.user, **fields)
        except ValidationError as error:
            raise refused(error) from None
        return Response(self._thread(thread), status=201)

    @extend_schema(
        parameters=[BEFORE_PARAMETER, AFTER_PARAMETER],
        responses={200: MessagePageSerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["get"])
    def messages(self, request, pk=None):
        """A page of messages, oldest first: the latest ones, or those older
        than `before` (the oldest the app has) while has_more says so; or
        those newer than `after` (as the chat page catches up)."""
        thread = self.get_object()
        before = _message_id(request, "before", BAD_BEFORE_ERROR)
        after = _message_id(request, "after", BAD_AFTER_ERROR)
        if before is not None and after is not None:
            raise serializers.ValidationError(
                {"non_field_errors": [BEFORE_AND_AFTER_ERROR]}
            )
        if after is not None:
            history, has_more = thread.messages.after_page(after)
        else:
            history, has_more = thread.messages.history_page(before)
        for message in history:
            message.thread = thread  # from_hospital reads it
        page = {"messages": history, "has_more": has_more}
        return Response(MessagePageSerializer(page, context={"request": request}).data)

    @extend_schema(
        request={
            "application/json": MessageInputSerializer,
            "multipart/form-data": MessageInputSerializer,
        },
        responses={201: MessageSerializer, **error_responses(400, 404)},
    )
    @messages.mapping.post
    def message_post(self, request, pk=None):
        """Write in the thread (refused when closed, or while your messages
        are paused): text, a photo (multipart) or both."""
        thread = self.get_object()
        fields = checked_form(MessageForm, request, MessageInputSerializer)
        try:
            message = services.message_post(
                thread=thread, sender=request.user, **fields
            )
        except ValidationError as error:
            raise refused(error) from None
        message.thread = thread
        data = MessageSerializer(message, context={"request": request}).data
        return Response(data, status=201)

    @extend_schema(
        request=ReadSerializer,
        responses={200: ThreadSerializer, **error_responses(400, 404)},
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """You have read the thread up to a message (its latest by default):
        its unread count and the notifications of its replies follow."""
        thread = self.get_object()
        sent = ReadSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        up_to = sent.validated_data.get("up_to")
        services.thread_mark_read(thread=thread, user=request.user, up_to=up_to)
        return Response(self._thread(thread))

    @extend_schema(
        parameters=[SIZE_PARAMETER],
        responses={(200, "image/webp"): OpenApiTypes.BINARY, **error_responses(404)},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"messages/(?P<message_pk>[0-9]+)/photo",
        content_negotiation_class=JSONErrorsNegotiation,
    )
    def photo(self, request, pk=None, message_pk=None):
        """A message's photo (WebP, re-encoded; thumbnail: 256 px)."""
        thread = self.get_object()
        message = get_object_or_404(thread.messages, pk=message_pk)
        field = PHOTO_FIELDS.get(request.query_params.get("size", "full"))
        image = getattr(message, field) if field else None
        if not image:
            raise Http404
        return image_response(image)


router = SimpleRouter()
router.register("consultations", ThreadViewSet, basename="consultation")
urlpatterns = router.urls
