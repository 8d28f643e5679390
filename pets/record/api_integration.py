"""A pet's medical record for the clinic's other systems
(GET /api/v1/integration/pets/<id>/record/, key scope records:read):
read-only, any pet of the hospital, as doctors see it (active alerts too).
A fixed number of queries whatever the record's length."""

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, views
from rest_framework.response import Response

from accounts.access_log import access_record
from accounts.api import ErrorSerializer
from core.api_keys import IntegrationEndpoint
from core.integration_models import Scope

from ..models import Pet
from .alert_models import PatientAlert
from .health_models import Prescription, WeightEntry
from .models import CareDose


class DoseSerializer(serializers.Serializer):
    item = serializers.CharField(source="item.name")
    kind = serializers.CharField(source="item.kind")
    given_on = serializers.DateField()
    next_due = serializers.DateField(allow_null=True)
    batch_number = serializers.CharField()


class WeightSerializer(serializers.Serializer):
    weighed_on = serializers.DateField()
    weight_kg = serializers.DecimalField(max_digits=6, decimal_places=2)
    source = serializers.CharField()


class PrescriptionSerializer(serializers.Serializer):
    drug = serializers.CharField()
    dose = serializers.CharField()
    frequency = serializers.CharField()
    start_date = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    stopped_on = serializers.DateField(allow_null=True)
    instructions = serializers.CharField()


class AlertSerializer(serializers.Serializer):
    kind = serializers.CharField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class IntegrationPetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    owner_id = serializers.IntegerField()
    name = serializers.CharField()
    species = serializers.CharField()
    breed = serializers.CharField()
    sex = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    microchip_number = serializers.CharField(allow_null=True)
    blood_type = serializers.CharField()
    is_archived = serializers.BooleanField()


class RecordSerializer(serializers.Serializer):
    pet = IntegrationPetSerializer()
    doses = DoseSerializer(many=True)
    weights = WeightSerializer(many=True)
    prescriptions = PrescriptionSerializer(many=True)
    alerts = AlertSerializer(many=True, help_text="Active patient alerts.")


def integration_errors(*codes: int) -> dict:
    descriptions = {
        401: "No, an unknown or a revoked API key.",
        403: "The key lacks this endpoint's scope.",
        404: "No such object.",
        400: "Invalid input: `fields` says what to correct.",
        429: "Too many requests with this key: wait and try again.",
    }
    return {
        code: OpenApiResponse(ErrorSerializer, description=descriptions[code])
        for code in (401, 403, 429, *codes)
    }


@extend_schema(tags=["integration"])
class PetRecordView(IntegrationEndpoint, views.APIView):
    """A pet's record: care doses, weights, prescriptions, active alerts."""

    scope = Scope.READ_RECORDS

    @extend_schema(responses={200: RecordSerializer, **integration_errors(404)})
    def get(self, request, pk: int):
        pet = get_object_or_404(Pet, pk=pk)
        access_record(request.auth, [pet], request=request)  # the key's name
        record = {
            "pet": pet,
            "doses": CareDose.objects.filter(pet=pet)
            .select_related("item")
            .order_by("-given_on", "-pk"),
            "weights": WeightEntry.objects.filter(pet=pet).order_by(
                "-weighed_on", "-pk"
            ),
            "prescriptions": Prescription.objects.filter(pet=pet).order_by(
                "-start_date", "-pk"
            ),
            "alerts": PatientAlert.objects.filter(pet=pet)
            .active()
            .order_by("-created_at"),
        }
        return Response(RecordSerializer(record).data)


record_integration_urlpatterns = [
    path("pets/<int:pk>/record/", PetRecordView.as_view(), name="integration-record"),
]
