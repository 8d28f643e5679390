"""Visits for the clinic's other systems (/api/v1/integration/visits/...),
with an integration key (core/api_keys.py):

- visits:read — the list (filters: day, state, changed since; cursor pages)
  and one visit, any customer's, as doctors see them;
- visits:write_state — move a visit (transition, advance) or triage it,
  through the same services as the doctors' pages, as the key's `acts_as`
  staff account: its rights apply and the visit's history names it. The
  answer is the visit's id, state, band and version; the whole visit only to
  a key that also has visits:read (a no-op triage must not read a visit).

Every read is logged in the access log under the key's name.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers, views
from rest_framework.response import Response

from accounts.access_log import AccessView, access_record
from accounts.api_auth import CursorPagination
from core.api_keys import IntegrationEndpoint
from core.integration_models import Scope
from pets.record.api_integration import integration_errors

from . import services
from .models import RED_FLAG_FIELDS, Reservation
from .states import State, Triage

NO_ACTING_ACCOUNT_MESSAGE = _(
    "This key acts as no active staff account: an operator sets one in the admin."
)


class IntegrationVisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pet_id = serializers.IntegerField()
    pet_name = serializers.CharField(source="pet.name")
    species = serializers.CharField(source="pet.species")
    owner_id = serializers.IntegerField(source="pet.owner_id")
    starts_at = serializers.DateTimeField(source="slot.starts_at")
    state = serializers.ChoiceField(choices=State.choices)
    triage = serializers.ChoiceField(choices=Triage.choices)
    queue_position = serializers.IntegerField()
    visit_type = serializers.CharField(source="visit_type.name")
    slots_taken = serializers.IntegerField(source="places")
    walk_in = serializers.BooleanField()
    symptoms = serializers.CharField()
    red_flags = serializers.SerializerMethodField()
    checked_in_at = serializers.DateTimeField(allow_null=True)
    cancel_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    version = serializers.SerializerMethodField(
        help_text="Send it back with a change: a visit changed since is refused."
    )

    def get_red_flags(self, visit) -> list[str]:
        return [name for name in RED_FLAG_FIELDS if getattr(visit, name)]

    def get_version(self, visit) -> str:
        return services.reservation_version(visit)


CHANGE_ANSWER_FIELDS = ("id", "state", "triage", "version")


class IntegrationVisitChangedSerializer(serializers.Serializer):
    """What a change answers a key without visits:read."""

    id = serializers.IntegerField()
    state = serializers.ChoiceField(choices=State.choices)
    triage = serializers.ChoiceField(choices=Triage.choices)
    version = serializers.SerializerMethodField(
        help_text="Send it back with a change: a visit changed since is refused."
    )

    def get_version(self, visit) -> str:
        return services.reservation_version(visit)


class IntegrationVisitChangeAnswer(IntegrationVisitSerializer):
    """A change's answer: the visit's id, state, triage and version, and its
    other fields too when the key also has visits:read."""

    # The schema's alone: a view answers with one of the two above.

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            if name not in CHANGE_ANSWER_FIELDS:
                field.required = field.read_only = False
        return fields


class VisitFilterSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="The visit's local day.")
    state = serializers.ChoiceField(choices=State.choices, required=False)
    updated_since = serializers.DateTimeField(required=False)


class VisitPagination(CursorPagination):
    ordering = ("-created_at", "-pk")


def _visits():
    return Reservation.objects.select_related("pet", "slot", "visit_type")


@extend_schema(tags=["integration"])
class VisitListView(IntegrationEndpoint, generics.ListAPIView):
    """Every visit, newest first, filtered by day, state or last change."""

    scope = Scope.READ_VISITS
    serializer_class = IntegrationVisitSerializer
    pagination_class = VisitPagination

    def get_queryset(self):
        filters = VisitFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        chosen = filters.validated_data
        visits = _visits()
        if "date" in chosen:
            visits = visits.on_day(chosen["date"])
        if "state" in chosen:
            visits = visits.filter(state=chosen["state"])
        if "updated_since" in chosen:
            visits = visits.filter(updated_at__gte=chosen["updated_since"])
        return visits

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        access_record(
            self.request.auth, page, request=self.request, view=AccessView.LIST
        )
        return page

    @extend_schema(
        parameters=[VisitFilterSerializer],
        responses={
            200: IntegrationVisitSerializer(many=True),
            **integration_errors(400, 404),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["integration"])
class VisitDetailView(IntegrationEndpoint, views.APIView):
    """One visit, any customer's."""

    scope = Scope.READ_VISITS

    @extend_schema(
        responses={200: IntegrationVisitSerializer, **integration_errors(404)}
    )
    def get(self, request, pk: int):
        visit = get_object_or_404(_visits(), pk=pk)
        access_record(request.auth, [visit], request=request)
        return Response(IntegrationVisitSerializer(visit).data)


class TransitionSerializer(serializers.Serializer):
    to_state = serializers.ChoiceField(choices=State.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.CharField(required=False)


class AdvanceSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.CharField(required=False)


class TriageSerializer(serializers.Serializer):
    triage = serializers.ChoiceField(choices=[Triage.EMERGENCY, Triage.STANDARD])
    version = serializers.CharField(required=False)


class VisitChangeView(IntegrationEndpoint, views.APIView):
    """A change of a visit by the key's acting account (services decide)."""

    scope = Scope.WRITE_VISIT_STATE
    input_class: type[serializers.Serializer]

    def change(self, visit, *, by, **data):
        raise NotImplementedError

    def post(self, request, pk: int):
        visit = get_object_or_404(_visits(), pk=pk)
        given = self.input_class(data=request.data)
        given.is_valid(raise_exception=True)
        by = request.user
        if not by.is_authenticated:
            raise exceptions.PermissionDenied(NO_ACTING_ACCOUNT_MESSAGE)
        try:
            visit = self.change(visit, by=by, **given.validated_data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        visit = _visits().get(pk=visit.pk)
        if not request.auth.has_scope(Scope.READ_VISITS):
            return Response(IntegrationVisitChangedSerializer(visit).data)
        access_record(request.auth, [visit], request=request)
        return Response(IntegrationVisitSerializer(visit).data)


@extend_schema(tags=["integration"])
class VisitTransitionView(VisitChangeView):
    """Move a visit to a state (the legal moves of the doctors' pages; a
    cancellation needs a note, its reason)."""

    input_class = TransitionSerializer

    def change(self, visit, *, by, to_state, note, version=None):
        return services.reservation_transition(
            reservation=visit, to_state=to_state, by=by, note=note, version=version
        )

    @extend_schema(
        request=TransitionSerializer,
        responses={200: IntegrationVisitChangeAnswer, **integration_errors(400, 404)},
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


@extend_schema(tags=["integration"])
class VisitAdvanceView(VisitChangeView):
    """Move a visit one step forward (confirmed → checked in → …)."""

    input_class = AdvanceSerializer

    def change(self, visit, *, by, note, version=None):
        return services.reservation_advance(
            reservation=visit, by=by, note=note, version=version
        )

    @extend_schema(
        request=AdvanceSerializer,
        responses={200: IntegrationVisitChangeAnswer, **integration_errors(400, 404)},
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


@extend_schema(tags=["integration"])
class VisitTriageView(VisitChangeView):
    """Put an ongoing visit in a band (the acting account must be a doctor)."""

    input_class = TriageSerializer

    def change(self, visit, *, by, triage, version=None):
        return services.reservation_triage(
            reservation=visit, triage=triage, by=by, version=version
        )

    @extend_schema(
        request=TriageSerializer,
        responses={200: IntegrationVisitChangeAnswer, **integration_errors(400, 404)},
    )
    def post(self, request, pk: int):
        return super().post(request, pk)


visit_integration_urlpatterns = [
    path("visits/", VisitListView.as_view(), name="integration-visits"),
    path("visits/<int:pk>/", VisitDetailView.as_view(), name="integration-visit"),
    path(
        "visits/<int:pk>/transition/",
        VisitTransitionView.as_view(),
        name="integration-visit-transition",
    ),
    path(
        "visits/<int:pk>/advance/",
        VisitAdvanceView.as_view(),
        name="integration-visit-advance",
    ),
    path(
        "visits/<int:pk>/triage/",
        VisitTriageView.as_view(),
        name="integration-visit-triage",
    ),
]
