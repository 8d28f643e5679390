"""The free times to book (/api/v1/slots/) for a type of visit, and the types
owners may book (/api/v1/visit-types/), as the booking page offers them;
mounted with the visits (reservations/api.py)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, views
from rest_framework.response import Response

from accounts.api import error_responses

from .models import ClinicSettings, VisitType
from .slot_views import online_type
from .slots import bookable_days, first_free_day, free_slots, opening_hours, parse_day

# The slots page's own message (the same msgid, already translated).
BAD_DAY_ERROR = _("Give a date as YYYY-MM-DD.")
CHOOSE_TYPE_ERROR = _("Choose a type of visit.")


class VisitTypeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="label", help_text="In your language.")
    minutes = serializers.SerializerMethodField(help_text="How long the visit is.")

    def get_minutes(self, visit_type) -> int:
        return visit_type.minutes(self.context["slot_minutes"])


class FreeSlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    places_left = serializers.IntegerField()


class DaySlotsSerializer(serializers.Serializer):
    date = serializers.DateField()
    first_day = serializers.DateField(help_text="The first day that can be booked.")
    last_day = serializers.DateField(help_text="The last day that can be booked.")
    minutes = serializers.IntegerField(help_text="The visit's length.")
    slots = FreeSlotSerializer(many=True)


@extend_schema(tags=["visits"])
class SlotsView(views.APIView):
    """The free times of a day (future, open, with a place left): the times
    the booking page offers."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "date",
                str,
                description="YYYY-MM-DD; the first day with a free time if not given.",
            ),
            OpenApiParameter(
                "visit_type",
                int,
                description="A type from visit-types/ (the default if not given): "
                "a start is free when every slot of the visit has a place.",
            ),
        ],
        responses={200: DaySlotsSerializer, **error_responses(400)},
    )
    def get(self, request):
        visit_type = VisitType.default()
        if "visit_type" in request.query_params:
            visit_type = online_type(request.query_params["visit_type"])
            if visit_type is None:
                raise serializers.ValidationError({"visit_type": [CHOOSE_TYPE_ERROR]})
        units = visit_type.slot_units
        rules, hours = ClinicSettings.current(), opening_hours()
        first, last = bookable_days(rules=rules)
        asked = request.query_params.get("date")
        if asked:
            day = parse_day(asked)
            if day is None:
                raise serializers.ValidationError({"date": [str(BAD_DAY_ERROR)]})
        else:
            day = first_free_day(rules=rules, hours=hours, units=units) or first
        found = free_slots(day, rules=rules, hours=hours, units=units)
        minutes = visit_type.minutes(rules.slot_minutes)
        return Response(
            DaySlotsSerializer(
                {
                    "date": day,
                    "first_day": first,
                    "last_day": last,
                    "minutes": minutes,
                    "slots": found,
                }
            ).data
        )


@extend_schema(tags=["visits"])
class VisitTypesView(views.APIView):
    """The types of visit owners may book, in the booking page's order."""

    @extend_schema(responses={200: VisitTypeSerializer(many=True), **error_responses()})
    def get(self, request):
        context = {"slot_minutes": ClinicSettings.current().slot_minutes}
        types = VisitType.objects.online()
        return Response(VisitTypeSerializer(types, many=True, context=context).data)
