"""The owner's pets in the API (/api/v1/pets/): list, add, read, change,
archive and restore.

The same queryset as "My pets" (another owner's pet answers 404), the same
form's rules (PetForm: an API call and the page accept exactly the same
details) and the same services (pets.services) write them.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.api import (
    FormCheckedSerializer,
    JSONErrorsNegotiation,
    error_responses,
)
from accounts.api_auth import CursorPagination
from core.images import image_response

from . import services
from .forms import PetForm
from .models import Pet, Sex, Species
from .services import PET_DETAIL_FIELDS
from .views import PHOTO_FIELDS


class PetSerializer(FormCheckedSerializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField()
    species = serializers.ChoiceField(choices=Species.choices)
    breed = serializers.CharField(required=False, allow_blank=True)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    birth_date = serializers.DateField(required=False, allow_null=True)
    weight_kg = serializers.DecimalField(
        max_digits=6, decimal_places=2, required=False, allow_null=True
    )
    notes = serializers.CharField(
        required=False, allow_blank=True, help_text="Notes and allergies."
    )
    microchip_number = serializers.CharField(required=False, allow_blank=True)
    blood_type = serializers.CharField(required=False, allow_blank=True)
    age = serializers.CharField(
        read_only=True, help_text="The age in words, in the requester's language."
    )
    is_archived = serializers.BooleanField(read_only=True)
    has_photo = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def get_has_photo(self, pet) -> bool:
        return bool(pet.photo)

    form_fields = PET_DETAIL_FIELDS

    def checked_form(self, values):
        """PetForm decides, as on the page; a PATCH keeps the fields not sent."""
        pet = self.instance
        data = {
            field: values.get(field, getattr(pet, field) if pet else None)
            for field in PET_DETAIL_FIELDS
        }
        if pet is None and data["sex"] is None:
            data["sex"] = Sex.UNKNOWN
        # The form checks a copy: a refused change leaves the instance alone.
        instance = Pet.objects.get(pk=pet.pk) if pet else None
        return PetForm(
            data={k: v for k, v in data.items() if v is not None}, instance=instance
        )

    def create(self, validated_data):
        return services.pet_create(owner=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return services.pet_update(pet=instance, **validated_data)


class PhotoSerializer(serializers.Serializer):
    photo = serializers.FileField(
        help_text="JPEG, PNG or WebP, at most 10 MB and 25 megapixels."
    )


class PetCursorPagination(CursorPagination):
    """Pets in the order of "My pets" (by name), in pages that stay right
    when pets are added while the app scrolls."""

    ordering = ("name", "pk")
    page_size = 25


ARCHIVED_PARAMETER = OpenApiParameter(
    "archived",
    bool,
    description="true: the archived pets instead of the current ones.",
)


SIZE_PARAMETER = OpenApiParameter(
    "size",
    str,
    enum=list(PHOTO_FIELDS),
    description="full (at most 2048 px), medium (720 px) or thumbnail (256 px "
    "square); full when not given.",
)


@extend_schema_view(
    list=extend_schema(
        parameters=[ARCHIVED_PARAMETER],
        responses={200: PetSerializer(many=True), **error_responses()},
    ),
    retrieve=extend_schema(responses={200: PetSerializer, **error_responses(404)}),
    create=extend_schema(responses={201: PetSerializer, **error_responses(400)}),
    partial_update=extend_schema(
        responses={200: PetSerializer, **error_responses(400, 404)}
    ),
    archive=extend_schema(
        request=None, responses={200: PetSerializer, **error_responses(404)}
    ),
    restore=extend_schema(
        request=None, responses={200: PetSerializer, **error_responses(404)}
    ),
)
@extend_schema(tags=["pets"])
class PetViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The signed-in owner's pets. Archived pets keep their records; archive
    and restore may be repeated safely."""

    serializer_class = PetSerializer
    queryset = Pet.objects.none()  # for the schema's types; see get_queryset
    pagination_class = PetCursorPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        pets = Pet.objects.for_owner(self.request.user)
        if self.action == "list":
            archived = self.request.query_params.get("archived") in ("1", "true")
            return pets.archived() if archived else pets.active()
        return pets

    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        pet = services.pet_archive(pet=self.get_object())
        return Response(self.get_serializer(pet).data)

    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        pet = services.pet_restore(pet=self.get_object())
        return Response(self.get_serializer(pet).data)

    @extend_schema(
        parameters=[SIZE_PARAMETER],
        responses={(200, "image/webp"): OpenApiTypes.BINARY, **error_responses(404)},
    )
    @action(
        detail=True,
        methods=["get"],
        parser_classes=[MultiPartParser],
        content_negotiation_class=JSONErrorsNegotiation,
    )
    def photo(self, request, pk=None):
        """The pet's photo (WebP, re-encoded); 404 when it has none."""
        field = PHOTO_FIELDS.get(request.query_params.get("size", "full"))
        image = getattr(self.get_object(), field) if field else None
        if not image:
            raise Http404
        return image_response(image)

    @extend_schema(
        request={"multipart/form-data": PhotoSerializer},
        responses={200: PetSerializer, **error_responses(400, 404)},
    )
    @photo.mapping.post
    def photo_upload(self, request, pk=None):
        """A new photo, through the site's image pipeline (checked, re-encoded
        without EXIF, renamed, with its medium size and thumbnail)."""
        pet = self.get_object()
        upload = PhotoSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            # The form's own field checks the file, then the service decodes it.
            photo = PetForm.base_fields["photo"].clean(upload.validated_data["photo"])
            pet = services.pet_update(pet=pet, photo=photo)
        except ValidationError as error:
            raise serializers.ValidationError({"photo": error.messages}) from None
        return Response(self.get_serializer(pet).data)


router = SimpleRouter()
router.register("pets", PetViewSet, basename="pet")
