import datetime

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .slots import free_slots


@login_required
@require_GET
def slots(request):
    """The free slots of a day as JSON: {"date", "slots": [{"start", "label", "left"}]}.

    Full, past and closed slots are left out; a bad date is a 400 with a message.
    """
    try:
        day = datetime.date.fromisoformat(request.GET.get("date", "")[:10])
    except ValueError:
        return JsonResponse({"errors": [_("Give a date as YYYY-MM-DD.")]}, status=400)
    found = [
        {
            "start": timezone.localtime(slot.starts_at).isoformat(),
            "label": timezone.localtime(slot.starts_at).strftime("%H:%M"),
            "left": slot.places_left,
        }
        for slot in free_slots(day)
    ]
    return JsonResponse({"date": day.isoformat(), "slots": found})
