"""The free times of a day for the booking page's script, and the visit
types owners may ask for."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.forms import id_from

from .models import ClinicSettings, VisitType
from .slots import free_slots, parse_day
from .visit_types import MAX_SLOT_UNITS


def online_type(value):
    """A type owners may book, from its id in a request; None if not one."""
    pk = id_from(value)
    return VisitType.objects.online().filter(pk=pk).first() if pk else None


@login_required
@require_GET
def slots(request):
    """The free slots of a day as JSON: {"date", "length", "minutes", "slots":
    [{"start", "label", "left"}]} (the visit's length in slots and minutes).

    Full, past and closed slots are left out; a bad date is a 400 with a message.
    For a visit of several slots (?type= an owner's type, or ?length= in slots,
    the length of a visit being moved) a start is free when every slot of the
    visit has a place.
    """
    day = parse_day(request.GET.get("date"))
    if day is None:
        return JsonResponse({"errors": [_("Give a date as YYYY-MM-DD.")]}, status=400)
    units = _length_asked(request)
    if units is None:
        return JsonResponse({"errors": [_("Choose a type of visit.")]}, status=400)
    rules = ClinicSettings.current()
    found = [
        {
            "start": timezone.localtime(slot.starts_at).isoformat(),
            "label": timezone.localtime(slot.starts_at).strftime("%H:%M"),
            "left": slot.places_left,
        }
        for slot in free_slots(day, rules=rules, units=units)
    ]
    minutes = units * rules.slot_minutes
    return JsonResponse(
        {"date": day.isoformat(), "length": units, "minutes": minutes, "slots": found}
    )


def _length_asked(request):
    """The slots a visit takes for the free-times JSON; None when asked wrong."""
    if "length" in request.GET:
        length = id_from(request.GET["length"])
        return length if length and length <= MAX_SLOT_UNITS else None
    if "type" in request.GET:
        visit_type = online_type(request.GET["type"])
        return visit_type.slot_units if visit_type else None
    return VisitType.default().slot_units
