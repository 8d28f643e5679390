"""The pet's medical record in the API, read-only:
/api/v1/pets/{id}/record/ (its owner's pets only; another's answers 404).

The same reads as the record tabs of the pet's page (pets/record/pages.py):
vaccinations and care with each item's due status, every dose, the
weighings and the prescriptions with their last refill request. Patient
alerts are for doctors (the owner's page shows none), so the API shows none
either. Writing (weighings, refill requests, share links) stays on the site.
"""

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, views
from rest_framework.response import Response

from accounts.api import error_responses

from ..models import Pet
from .models import CareStatus
from .pages import care_context, medications_context

STATUSES = [*CareStatus.values, "never"]


class OwnerCareRowSerializer(serializers.Serializer):
    item = serializers.CharField(source="item.display_name")
    item_id = serializers.IntegerField(source="item.pk")
    kind = serializers.CharField(source="item.kind")
    status = serializers.ChoiceField(
        choices=STATUSES,
        help_text="overdue, due_soon, never (not given yet), up_to_date or done.",
    )
    last_given_on = serializers.DateField(
        source="dose.given_on", allow_null=True, default=None
    )
    next_due = serializers.DateField(
        source="dose.next_due", allow_null=True, default=None
    )


class OwnerDoseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    item = serializers.CharField(source="item.display_name")
    given_on = serializers.DateField()
    next_due = serializers.DateField(allow_null=True)
    batch_number = serializers.CharField()
    vet = serializers.CharField(source="vet.name", allow_null=True, default=None)


class OwnerWeightSerializer(serializers.Serializer):
    weighed_on = serializers.DateField()
    weight_kg = serializers.DecimalField(max_digits=6, decimal_places=2)
    owner_reported = serializers.BooleanField(help_text="Weighed at home.")


class OwnerPrescriptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    drug = serializers.CharField()
    dose = serializers.CharField()
    frequency = serializers.CharField()
    duration_days = serializers.IntegerField(allow_null=True)
    instructions = serializers.CharField()
    start_date = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    stopped_on = serializers.DateField(allow_null=True)
    is_active = serializers.BooleanField(source="active_now")
    vet = serializers.CharField(source="vet.name")
    last_refill_status = serializers.CharField(
        source="last_refill.status", allow_null=True, default=None
    )


class PetRecordSerializer(serializers.Serializer):
    pet = serializers.IntegerField()
    care = OwnerCareRowSerializer(many=True, help_text="Most urgent first.")
    doses = OwnerDoseSerializer(many=True, help_text="Newest first.")
    weights = OwnerWeightSerializer(many=True, help_text="Oldest first.")
    prescriptions = OwnerPrescriptionSerializer(many=True, help_text="Active first.")


@extend_schema(tags=["pets"])
class RecordView(views.APIView):
    """The pet's record as its owner sees it on the pet's page."""

    @extend_schema(responses={200: PetRecordSerializer, **error_responses(404)})
    def get(self, request, pk):
        pet = get_object_or_404(Pet.objects.for_owner(request.user), pk=pk)
        care = care_context(pet)
        medications = medications_context(pet, is_owner=False)
        prescriptions = [
            *medications["active_prescriptions"],
            *medications["past_prescriptions"],
        ]
        for prescription in prescriptions:
            prescription.active_now = (
                prescription in medications["active_prescriptions"]
            )
        record = {
            "pet": pet.pk,
            "care": care["care_rows"],
            "doses": care["doses"],
            "weights": list(pet.weights.all()),
            "prescriptions": prescriptions,
        }
        return Response(PetRecordSerializer(record).data)


urlpatterns = [path("pets/<int:pk>/record/", RecordView.as_view(), name="pet-record")]
