"""A day's queue: bands doctors put in order by drag and drop, and quick triage."""

import datetime
import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from .. import services
from ..live import CONSULTATION_REASON
from ..models import Reservation, Triage
from ..queue import ORDERED_BANDS, WAITING_STATES, queue_places
from ..slots import parse_day
from .columns import refusal_message
from .forms import QuickTriageForm

# The most visits one drop can reorder: far above a day's band, far below abuse.
REORDER_MAX_VISITS = 200
REORDER_BAD_REQUEST_ERROR = _("The new order could not be read. Reload the page.")


class QueuePagesMixin:
    """The queue page and its two POST endpoints, added to ReservationAdmin."""

    def get_urls(self):
        view = self.admin_site.admin_view
        # Before the stock URLs, whose "<object_id>/" would take "queue/".
        return [
            path("queue/", view(self.queue_view), name="reservations_queue"),
            path(
                "queue/reorder/",
                view(require_POST(self.queue_reorder_view)),
                name="reservations_queue_reorder",
            ),
            path(
                "queue/triage/",
                view(require_POST(self.queue_triage_view)),
                name="reservations_queue_triage",
            ),
            *super().get_urls(),
        ]

    def queue_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        day, today = _queue_day(request.GET), timezone.localdate()
        visits = list(
            Reservation.objects.ongoing()
            .on_day(day)
            .in_queue_order()
            .select_related("pet__owner", "slot")
        )
        places = queue_places(visits)
        bands = {band: [] for band in ORDERED_BANDS}
        to_triage, with_doctor = [], []
        for visit in visits:
            visit.queue_place = places.get(visit.pk)
            if visit.triage == Triage.UNTRIAGED:
                to_triage.append(visit)
            elif visit.state in WAITING_STATES:
                bands[visit.triage].append(visit)
            else:
                with_doctor.append(visit)
        context = {
            **self.admin_site.each_context(request),
            "title": (
                _("Today’s queue")
                if day == today
                else _("Queue for %(day)s") % {"day": date_format(day)}
            ),
            "day": day,
            "consultation_reason": CONSULTATION_REASON,
            "is_today": day == today,
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
            "opts": self.opts,
            "bands": [(band, band.label, bands[band]) for band in ORDERED_BANDS],
            "to_triage": to_triage,
            "with_doctor": with_doctor,
            "ordered_bands": ORDERED_BANDS,
        }
        return TemplateResponse(
            request, "admin/reservations/reservation/queue.html", context
        )

    def queue_reorder_view(self, request):
        """POST {"band": "...", "order": [ids]}: answer {"ok": true} or 400."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        band, order = _read_reorder(request.body)
        if order is None:
            return _reorder_error(REORDER_BAD_REQUEST_ERROR)
        try:
            services.queue_reorder(band=band, pks=order, by=request.user)
        except ValidationError as error:
            return _reorder_error(refusal_message(error))
        return JsonResponse({"ok": True})

    def queue_triage_view(self, request):
        """The queue page's quick triage buttons; without JavaScript too."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = QuickTriageForm(request.POST)
        if form.is_valid():
            visit = form.cleaned_data["visit"]
            band = Triage(form.cleaned_data["triage"])
            try:
                services.reservation_triage(
                    reservation=visit, triage=band, by=request.user
                )
            except (ValidationError, PermissionDenied) as error:
                self.message_user(
                    request, f"{visit}: {refusal_message(error)}", messages.ERROR
                )
            else:
                self.message_user(
                    request,
                    gettext("%(visit)s triaged as %(band)s.")
                    % {"visit": visit, "band": band.label},
                    messages.SUCCESS,
                )
        else:
            self.message_user(
                request, gettext("That visit could not be triaged."), messages.ERROR
            )
        back = reverse("admin:reservations_queue")
        day = _queue_day(request.POST)
        if day != timezone.localdate():
            back += f"?date={day.isoformat()}"
        return HttpResponseRedirect(back)


def _queue_day(data):
    """The day a queue page is about: ?date=YYYY-MM-DD, else today."""
    return parse_day(data.get("date")) or timezone.localdate()


def _read_reorder(body):
    """(band, ids) from a reorder request, or (None, None) when it is not one."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None, None
    if not isinstance(payload, dict):
        return None, None
    band, order = payload.get("band"), payload.get("order")
    if (
        band not in ORDERED_BANDS
        or not isinstance(order, list)
        or not 0 < len(order) <= REORDER_MAX_VISITS
        # bool is an int to Python, never an id to us
        or not all(type(pk) is int for pk in order)
        or len(set(order)) != len(order)
    ):
        return None, None
    return band, order


def _reorder_error(message):
    return JsonResponse({"error": str(message)}, status=400)
