"""The owner's visits in the API (/api/v1/visits/) and the free times to book
(/api/v1/slots/).

The same queryset as "My visits" (another owner's visit answers 404), the
same forms (ReservationForm with its red-flag questions, VisitCancelForm)
and the same services (reservations.services) as the pages: a field the
booking form gains is checked and booked here too, even before this module
describes it. Decisions: the list is newest booked first, with the place in
the queue; the detail adds the band's typical wait and the visit's events,
and (as opening the visit page does) reads its notifications. A change made
since the app read the visit is refused when the app sends back `version`.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.api import FormCheckedSerializer, error_responses, form_errors
from accounts.api_auth import CursorPagination
from accounts.notifications import notifications_mark_read_for_url

from . import services, states, waits
from .api_slots import SlotsView, VisitTypesView
from .forms import ReservationForm, VisitCancelForm
from .models import Reservation, State
from .selectors import queue_places

# The pages' own messages (the same msgids, already translated).
NOT_READY_ERROR = _("Your pet is not ready to be collected yet.")
# Service refusals that belong to the time field, as on the booking page.
TIME_ERROR_CODES = {"slot_taken", "slot_unavailable"}


def refused(error: ValidationError | PermissionDenied, *, field=None):
    """A service's refusal as the API's 400 (nothing was changed)."""
    messages = getattr(error, "messages", None) or [str(error)]
    if field is None and getattr(error, "code", None) in TIME_ERROR_CODES:
        field = "starts_at"
    return serializers.ValidationError({field or "non_field_errors": messages})


# --- reading ---------------------------------------------------------------------


class QueueSerializer(serializers.Serializer):
    place = serializers.IntegerField(help_text="1 is next.")
    ahead = serializers.IntegerField()
    wait_minutes = serializers.IntegerField(
        help_text="Estimated minutes until the visit's turn, from now."
    )


class BandWaitSerializer(serializers.Serializer):
    band = serializers.CharField(help_text="The band's name, translated.")
    typical_minutes = serializers.IntegerField(
        allow_null=True,
        help_text="Median wait of the band lately; null with too few visits.",
    )
    target_minutes = serializers.IntegerField(help_text="The hospital's limit.")


class EventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    from_value = serializers.CharField()
    from_label = serializers.CharField()
    to_value = serializers.CharField()
    to_label = serializers.CharField()
    # As on the visit page: the front desk's check-in and no-show notes are
    # kept for staff.
    note = serializers.CharField(source="note_for_owner")
    created_at = serializers.DateTimeField()


class VisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pet = serializers.IntegerField(source="pet_id")
    pet_name = serializers.CharField(source="pet.name")
    starts_at = serializers.DateTimeField(source="slot.starts_at")
    visit_type = serializers.IntegerField(source="visit_type_id")
    visit_type_name = serializers.CharField(source="visit_type.label")
    slots_taken = serializers.IntegerField(
        source="places", help_text="Consecutive slots from starts_at."
    )
    symptoms = serializers.CharField()
    breathing_trouble = serializers.BooleanField()
    heavy_bleeding = serializers.BooleanField()
    collapse_or_seizure = serializers.BooleanField()
    state = serializers.ChoiceField(choices=State.choices)
    state_label = serializers.CharField(source="get_state_display")
    triage = serializers.CharField(help_text="untriaged, emergency or standard.")
    triage_label = serializers.CharField(source="get_triage_display")
    come_in_now = serializers.BooleanField(
        help_text="A possible emergency: come now, no place or wait is given."
    )
    queue = serializers.SerializerMethodField()
    cancel_reason = serializers.CharField()
    walk_in = serializers.BooleanField()
    can_edit = serializers.BooleanField()
    can_cancel = serializers.BooleanField()
    can_pick_up = serializers.BooleanField()
    version = serializers.SerializerMethodField(
        help_text="Send it back with a change: a visit changed since is refused."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(QueueSerializer(allow_null=True))
    def get_queue(self, visit):
        """The place and estimated wait while the visit waits; null for a
        possible emergency (told to come now) and once it is with a doctor."""
        if visit.come_in_now:
            return None
        place = self.context.get("places", {}).get(visit.pk)
        if place is None:
            return None
        return {
            "place": place.place,
            "ahead": place.ahead,
            "wait_minutes": place.wait_minutes,
        }

    def get_version(self, visit) -> str:
        return services.reservation_version(visit)


class VisitDetailSerializer(VisitSerializer):
    band_wait = serializers.SerializerMethodField()
    events = EventSerializer(many=True, source="events.all")

    @extend_schema_field(BandWaitSerializer(allow_null=True))
    def get_band_wait(self, visit):
        """What the visit page tells of the band's waits once triaged."""
        found = waits.band_wait(visit)
        if found is None:
            return None
        typical = found["typical"]
        return {
            "band": str(found["band"]),
            "typical_minutes": None if typical is None else _minutes(typical),
            "target_minutes": _minutes(found["target"]),
        }


def _minutes(delta) -> int:
    return int(delta.total_seconds() // 60)


# --- writing ---------------------------------------------------------------------


class BookingFormSerializer(FormCheckedSerializer):
    """Input checked by ReservationForm, as on the booking page. Fields the
    form has and this serializer does not declare (yet) are passed to it as
    sent, so a new booking field works before it is documented here."""

    version = serializers.CharField(required=False, allow_blank=True)
    starts_at = serializers.DateTimeField(help_text="A free slot's start.")
    symptoms = serializers.CharField(help_text="What have you noticed, and since when?")
    breathing_trouble = serializers.BooleanField(
        required=False, default=False, help_text="Trouble breathing?"
    )
    heavy_bleeding = serializers.BooleanField(
        required=False, default=False, help_text="Bleeding heavily?"
    )
    collapse_or_seizure = serializers.BooleanField(
        required=False, default=False, help_text="Collapsed or had a seizure?"
    )

    def form_for(self, data: dict) -> ReservationForm:
        raise NotImplementedError

    @property
    def form_fields(self):
        return tuple(self.form_for({}).fields)

    def checked_form(self, values):
        undeclared = {
            name: value
            for name, value in getattr(self, "initial_data", {}).items()
            if name not in self.fields
        }
        sent = {name: value for name, value in values.items() if value is not None}
        return self.form_for({**undeclared, **sent})

    def validate(self, attrs):
        form = self.checked_form(attrs)
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        return form.booking_details()


class BookingSerializer(BookingFormSerializer):
    pet = serializers.IntegerField(help_text="One of your own current pets.")
    visit_type = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="A type from visit-types/; the default type if not given.",
    )

    def form_for(self, data):
        return ReservationForm(data=data, owner=self.context["request"].user)


class VisitEditSerializer(BookingFormSerializer):
    """The whole booking as it should be now (PATCH: what is not sent stays
    as it is). The type stays the visit's, as on the page."""

    starts_at = serializers.DateTimeField(required=False)
    symptoms = serializers.CharField(required=False)
    breathing_trouble = serializers.BooleanField(required=False)
    heavy_bleeding = serializers.BooleanField(required=False)
    collapse_or_seizure = serializers.BooleanField(required=False)

    def form_for(self, data):
        visit = self.instance
        current = ReservationForm(reservation=visit).initial
        current.pop("version", None)
        return ReservationForm(data={**current, **data}, reservation=visit)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True, help_text="Why: the hospital reads it."
    )
    version = serializers.CharField(required=False, allow_blank=True)


class PickupSerializer(serializers.Serializer):
    version = serializers.CharField(required=False, allow_blank=True)


# --- views -----------------------------------------------------------------------


class VisitCursorPagination(CursorPagination):
    ordering = ("-created_at", "-pk")
    page_size = 25


def _visit_responses(*codes):
    return {200: VisitDetailSerializer, **error_responses(*codes)}


@extend_schema_view(
    list=extend_schema(
        responses={200: VisitSerializer(many=True), **error_responses()}
    ),
    retrieve=extend_schema(responses=_visit_responses(404)),
    create=extend_schema(
        request=BookingSerializer,
        responses={201: VisitDetailSerializer, **error_responses(400)},
    ),
    partial_update=extend_schema(
        request=VisitEditSerializer, responses=_visit_responses(400, 404)
    ),
    cancel=extend_schema(
        request=CancelSerializer, responses=_visit_responses(400, 404)
    ),
    pickup=extend_schema(
        request=PickupSerializer, responses=_visit_responses(400, 404)
    ),
)
@extend_schema(tags=["visits"])
class VisitViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The signed-in owner's visits: book, read (state, band, place in the
    queue and wait), change before arrival, cancel with a reason, confirm
    the pickup. Reading a visit reads its notifications, as its page does."""

    serializer_class = VisitSerializer
    queryset = Reservation.objects.none()  # for the schema's types
    pagination_class = VisitCursorPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return Reservation.objects.for_owner(self.request.user).select_related(
            "pet", "slot", "visit_type"
        )

    def get_serializer_class(self):
        return VisitSerializer if self.action == "list" else VisitDetailSerializer

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        context = {**self.get_serializer_context(), "places": queue_places(page)}
        serializer = VisitSerializer(page, many=True, context=context)
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        visit = self.get_object()
        notifications_mark_read_for_url(user=request.user, url=visit.get_absolute_url())
        return Response(self._detail(visit))

    def _detail(self, visit):
        visit = self.get_queryset().get(pk=visit.pk)  # as it is now
        context = {**self.get_serializer_context(), "places": queue_places([visit])}
        return VisitDetailSerializer(visit, context=context).data

    def create(self, request, *args, **kwargs):
        booking = BookingSerializer(data=request.data, context={"request": request})
        booking.is_valid(raise_exception=True)
        try:
            visit = services.reservation_create(
                owner=request.user, **booking.validated_data
            )
        except ValidationError as error:
            raise refused(error) from None
        return Response(self._detail(visit), status=201)

    def partial_update(self, request, *args, **kwargs):
        visit = self.get_object()
        if not states.can_edit(visit):
            raise refused(ValidationError(services.NOT_EDITABLE_ERROR))
        edit = VisitEditSerializer(
            visit, data=request.data, context={"request": request}
        )
        edit.is_valid(raise_exception=True)
        try:
            services.reservation_update(
                reservation=visit, by=request.user, **edit.validated_data
            )
        except ValidationError as error:
            raise refused(error) from None
        return Response(self._detail(visit))

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel with a reason (before the pet is with a doctor)."""
        visit = self.get_object()
        sent = CancelSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        if not states.can_cancel(visit):
            raise refused(ValidationError(services.NOT_EDITABLE_ERROR))
        form = VisitCancelForm(data=sent.validated_data)
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        self._move(visit, State.CANCELLED, form.cleaned_data["reason"], sent)
        return Response(self._detail(visit))

    @action(detail=True, methods=["post"])
    def pickup(self, request, pk=None):
        """The owner has collected the pet: the visit is finished."""
        visit = self.get_object()
        sent = PickupSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        if not states.can_pick_up(visit):
            raise refused(ValidationError(NOT_READY_ERROR))
        self._move(visit, State.FINISHED, "", sent)
        return Response(self._detail(visit))

    def _move(self, visit, to_state, note, sent):
        try:
            services.reservation_transition(
                reservation=visit,
                to_state=to_state,
                by=self.request.user,
                note=note,
                version=sent.validated_data.get("version") or None,
            )
        except (ValidationError, PermissionDenied) as error:
            raise refused(error) from None


router = SimpleRouter()
router.register("visits", VisitViewSet, basename="visit")
urlpatterns = [
    path("slots/", SlotsView.as_view(), name="slots"),
    path("visit-types/", VisitTypesView.as_view(), name="visit-types"),
    *router.urls,
]
