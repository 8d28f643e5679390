"""The API's accounts part: the documented error shape, the token's entry in
the schema, and the owner's profile at /api/v1/profile/.

Writes go through accounts.services and are checked by the site's own form
(ProfileForm), so the API and the profile page accept exactly the same input.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import path
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, views
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core.images import image_response

from .api_auth import TOKEN_HEADER, SessionTokenAuthentication
from .forms import AvatarForm, ProfileForm
from .services import user_remove_avatar, user_set_avatar, user_update_profile


class SessionTokenScheme(OpenApiAuthenticationExtension):
    target_class = SessionTokenAuthentication
    name = "sessionToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": TOKEN_HEADER}


class JSONErrorsNegotiation(DefaultContentNegotiation):
    """The photo is sent as it is (an HttpResponse, whatever the Accept);
    errors are JSON even when the app asks for an image."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ErrorSerializer(serializers.Serializer):
    """Every error of the API, in the requester's language."""

    code = serializers.CharField(help_text="invalid, not_found, not_authenticated…")
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per field name; empty unless code is invalid.",
    )


def error_responses(*codes: int) -> dict:
    descriptions = {
        400: "Invalid input: `fields` says what to correct.",
        401: "No or an expired session token.",
        403: "Not allowed (staff accounts are refused for now).",
        404: "Not found, or not yours.",
        429: "Too many requests: wait and try again.",
    }
    return {
        code: OpenApiResponse(ErrorSerializer, description=descriptions[code])
        for code in (401, 403, 429, *codes)
    }


def form_errors(form) -> dict:
    """A Django form's errors as DRF's ValidationError detail."""
    return {
        ("non_field_errors" if name == "__all__" else name): list(messages)
        for name, messages in form.errors.items()
    }


class FormCheckedSerializer(serializers.Serializer):
    """Input checked by a page's form, as on the page: subclasses give
    `checked_form(values)`, the bound form for the values sent (the others
    kept), and `form_fields`. DRF's own field checks (types, NUL, lone
    surrogates) come first; when they refuse some fields, the form still
    checks the others, so one answer names every field to correct."""

    form_fields: tuple = ()

    def checked_form(self, values: dict):
        raise NotImplementedError

    def validate(self, attrs):
        form = self.checked_form(attrs)
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        return {field: form.cleaned_data[field] for field in self.form_fields}

    def run_validation(self, data=serializers.empty):
        try:
            return super().run_validation(data)
        except serializers.ValidationError as error:
            refused = error.detail
            if not (isinstance(refused, dict) and isinstance(data, dict)):
                raise
            # Values DRF let through are of the right type and storable.
            passed = {
                name: value
                for name, value in data.items()
                if name in self.form_fields and name not in refused
            }
            form = self.checked_form(passed)
            form.is_valid()
            more = {
                name: messages
                for name, messages in form_errors(form).items()
                if name in passed
            }
            raise serializers.ValidationError({**more, **refused}) from None


class ProfileSerializer(FormCheckedSerializer):
    username = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    display_name = serializers.CharField(
        max_length=60, required=False, allow_blank=True
    )
    phone = serializers.CharField(max_length=24, required=False, allow_blank=True)
    preferred_language = serializers.ChoiceField(
        choices=ProfileForm.base_fields["preferred_language"].choices, required=False
    )
    name = serializers.CharField(read_only=True, help_text="The name people see.")
    has_avatar = serializers.SerializerMethodField()

    def get_has_avatar(self, user) -> bool:
        return bool(user.avatar)

    form_fields = tuple(ProfileForm._meta.fields)

    def checked_form(self, values):
        user = self.instance
        data = {
            field: values.get(field, getattr(user, field)) for field in self.form_fields
        }
        # The form checks a copy: a refused change leaves the user as it was.
        return ProfileForm(data=data, instance=type(user).objects.get(pk=user.pk))

    def update(self, instance, validated_data):
        return user_update_profile(user=instance, **validated_data)


@extend_schema(tags=["profile"])
class ProfileView(generics.RetrieveUpdateAPIView):
    """The signed-in owner's profile: read it, or change the display name,
    phone and preferred language (PATCH: only the fields sent change)."""

    serializer_class = ProfileSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user

    @extend_schema(responses={200: ProfileSerializer, **error_responses()})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(responses={200: ProfileSerializer, **error_responses(400)})
    def patch(self, request, *args, **kwargs):
        return super().patch(request, *args, **kwargs)


class AvatarUploadSerializer(serializers.Serializer):
    avatar = serializers.FileField(
        help_text="JPEG, PNG or WebP, at most 10 MB and 25 megapixels."
    )


@extend_schema(tags=["profile"])
class AvatarView(views.APIView):
    """The owner's avatar: read it (WebP), replace it through the profile
    page's form and image pipeline, or remove it (back to initials)."""

    parser_classes = [MultiPartParser]
    content_negotiation_class = JSONErrorsNegotiation

    @extend_schema(
        parameters=[
            OpenApiParameter("size", str, enum=["full", "thumbnail"]),
        ],
        responses={(200, "image/webp"): OpenApiTypes.BINARY, **error_responses(404)},
    )
    def get(self, request):
        user = request.user
        thumbnail = request.query_params.get("size") == "thumbnail"
        image = user.avatar_thumbnail if thumbnail else user.avatar
        if not image:
            raise Http404
        return image_response(image)

    @extend_schema(
        request={"multipart/form-data": AvatarUploadSerializer},
        responses={200: ProfileSerializer, **error_responses(400)},
    )
    def post(self, request):
        upload = AvatarUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        form = AvatarForm(data={}, files=upload.validated_data)
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        try:
            user = user_set_avatar(
                user=request.user, upload=form.cleaned_data["avatar"]
            )
        except ValidationError as error:
            raise serializers.ValidationError({"avatar": error.messages}) from None
        return Response(ProfileSerializer(user).data)

    @extend_schema(request=None, responses={204: None, **error_responses()})
    def delete(self, request):
        user_remove_avatar(user=request.user)
        return Response(status=204)


profile_urlpatterns = [
    path("profile/", ProfileView.as_view(), name="profile"),
    path("profile/avatar/", AvatarView.as_view(), name="avatar"),
]
