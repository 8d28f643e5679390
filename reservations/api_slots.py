"""The free times to book (/api/v1/slots/), as the booking page offers them;
mounted with the visits (reservations/api.py)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, views
from rest_framework.response import Response

from accounts.api import error_responses

from .models import ClinicSettings
from .slots import bookable_days, first_free_day, free_slots, opening_hours, parse_day

# The slots page's own message (the same msgid, already translated).
BAD_DAY_ERROR = _("Give a date as YYYY-MM-DD.")


class FreeSlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    places_left = serializers.IntegerField()


class DaySlotsSerializer(serializers.Serializer):
    date = serializers.DateField()
    first_day = serializers.DateField(help_text="The first day that can be booked.")
    last_day = serializers.DateField(help_text="The last day that can be booked.")
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
            )
        ],
        responses={200: DaySlotsSerializer, **error_responses(400)},
    )
    def get(self, request):
        rules, hours = ClinicSettings.current(), opening_hours()
        first, last = bookable_days(rules=rules)
        asked = request.query_params.get("date")
        if asked:
            day = parse_day(asked)
            if day is None:
                raise serializers.ValidationError({"date": [str(BAD_DAY_ERROR)]})
        else:
            day = first_free_day(rules=rules, hours=hours) or first
        found = free_slots(day, rules=rules, hours=hours)
        return Response(
            DaySlotsSerializer(
                {"date": day, "first_day": first, "last_day": last, "slots": found}
            ).data
        )
