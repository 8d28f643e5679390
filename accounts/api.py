"""The API's accounts part: the documented error shape, the token's entry in
the schema, and the owner's profile at /api/v1/profile/.

Writes go through accounts.services and are checked by the site's own form
(ProfileForm), so the API and the profile page accept exactly the same input.
"""

from django.urls import path
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers

from .api_auth import TOKEN_HEADER, SessionTokenAuthentication
from .forms import ProfileForm
from .services import user_update_profile


class SessionTokenScheme(OpenApiAuthenticationExtension):
    target_class = SessionTokenAuthentication
    name = "sessionToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": TOKEN_HEADER}


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


class ProfileSerializer(serializers.Serializer):
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

    def validate(self, attrs):
        user = self.instance
        data = {
            field: attrs.get(field, getattr(user, field))
            for field in ProfileForm._meta.fields
        }
        form = ProfileForm(data=data, instance=user)
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        return {field: form.cleaned_data[field] for field in ProfileForm._meta.fields}

    def update(self, instance, validated_data):
        return user_update_profile(user=instance, **validated_data)


@extend_schema(tags=["profile"])
class ProfileView(generics.RetrieveUpdateAPIView):
    """The signed-in owner's profile: read it, or change the display name,
    phone and preferred language (PATCH: only the fields sent change)."""

    serializer_class = ProfileSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        # The form validates a copy: a refused change leaves request.user as it was.
        return type(self.request.user).objects.get(pk=self.request.user.pk)

    @extend_schema(responses={200: ProfileSerializer, **error_responses()})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(responses={200: ProfileSerializer, **error_responses(400)})
    def patch(self, request, *args, **kwargs):
        return super().patch(request, *args, **kwargs)


profile_urlpatterns = [
    path("profile/", ProfileView.as_view(), name="profile"),
]
