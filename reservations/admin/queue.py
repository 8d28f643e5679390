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
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.access_log import AccessView, access_record
from accounts.access_log_admin import access_record_queryset
from accounts.roles import is_doctor, is_hospital_staff
from core import page_parts
from pets.record.alerts import active_alerts_prefetch, may_see_alerts
from pets.record.notices import REFILL_REASON

from .. import services, states
from ..models import Reservation
from ..realtime import CONSULTATION_REASON
from ..selectors import day_queue_places
from ..slots import parse_day
from ..states import ORDERED_BANDS, State, Triage
from ..waits import mark_waits
from .columns import refusal_message
from .forms import QuickAdvanceForm, QuickTriageForm

# The most visits one drop can reorder: far above a day's band, far below abuse.
REORDER_MAX_VISITS = 200
REORDER_BAD_REQUEST_ERROR = _("The new order could not be read. Reload the page.")
QUEUE_STALE_ERROR = _(
    "%(visit)s changed meanwhile: it is now %(state)s. Nothing was done; the "
    "queue shows it as it is now."
)
QUEUE_BAD_REQUEST_ERROR = _("That visit could not be changed. Reload the page.")
# The one-click buttons of the queue rows, by the state they move a visit to
# (states.NEXT_STATE): what the doctor does, not the state's own name.
NEXT_STEP_LABELS = {
    State.CONFIRMED: pgettext_lazy("next step", "Confirm"),
    State.CHECKED_IN: pgettext_lazy("next step", "Check in"),
    State.IN_TREATMENT: pgettext_lazy("next step", "Start treatment"),
    State.READY_FOR_RELEASE: pgettext_lazy("next step", "Ready to go home"),
    State.FINISHED: pgettext_lazy("next step", "Picked up"),
}


def may_move_visits(user) -> bool:
    """Triage and reordering are for doctors only; the front desk sees the
    queue and gets the one-click moves that are its own (check-in)."""
    return is_doctor(user)


def may_take_step(user, visit, to_state) -> bool:
    """Whether `user` gets the one-click button moving `visit` to `to_state`."""
    return services.may_move(user, visit, to_state)


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
            path(
                "queue/advance/",
                view(require_POST(self.queue_advance_view)),
                name="reservations_queue_advance",
            ),
            *super().get_urls(),
        ]

    def queue_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        day, today = _queue_day(request.GET), timezone.localdate()
        show_alerts = may_see_alerts(request.user)
        # Today's queue (no query string) keeps its bands rendered until a
        # visit, a name or a pet changes, and from minute to minute (the
        # waits turn red with time; core/page_parts.py).
        generations = (
            [page_parts.VISITS, page_parts.NAMES, page_parts.PETS]
            if not request.GET
            else None
        )
        minute = page_parts.current_minute()
        # Named and varied as the template's cached_part.
        kept = page_parts.kept_part(
            request, name="queue", generations=generations, vary=[minute]
        )
        day_visits = Reservation.objects.ongoing().on_day(day)
        if kept:
            # The bands are not drawn: the visits are not read for them, and
            # one query of their ids and customers is what the access log,
            # which records who saw them, needs.
            access_record_queryset(request, day_visits, view=AccessView.LIST)
            shown = {"kept_queue_html": kept}
        else:
            shown = _bands(request, day_visits, show_alerts=show_alerts)
        context = {
            **self.admin_site.each_context(request),
            "title": (
                _("Today’s queue")
                if day == today
                else _("Queue for %(day)s") % {"day": date_format(day)}
            ),
            "day": day,
            # What the queue does not show: its page need not redraw for it.
            "live_ignore": f"{CONSULTATION_REASON} {REFILL_REASON}",
            "is_today": day == today,
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
            "opts": self.opts,
            "ordered_bands": ORDERED_BANDS,
            "can_move": may_move_visits(request.user),
            "can_step": self.has_change_permission(request),
            "show_alerts": show_alerts,
            "part_generations": generations,
            "part_minute": minute,
            **shown,
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
        if not (self.has_change_permission(request) and may_move_visits(request.user)):
            raise PermissionDenied
        form = QuickTriageForm(request.POST)
        if not form.is_valid():
            return self._queue_answer(
                request, gettext("That visit could not be triaged."), ok=False
            )
        visit = form.cleaned_data["visit"]
        band = Triage(form.cleaned_data["triage"])
        try:
            services.reservation_triage(reservation=visit, triage=band, by=request.user)
        except (ValidationError, PermissionDenied) as error:
            return self._queue_answer(
                request, f"{visit}: {refusal_message(error)}", ok=False
            )
        return self._queue_answer(
            request,
            gettext("%(visit)s triaged as %(band)s.")
            % {"visit": visit, "band": band.label},
        )

    def queue_advance_view(self, request):
        """One click moves a visit to its next state (states.next_state).

        The button posts the state its page showed: a double click, or a page
        drawn before a colleague moved the visit, is refused instead of moving
        the visit a second step.
        """
        # The service decides which moves (the front desk: check-in only).
        if not (
            self.has_change_permission(request) and is_hospital_staff(request.user)
        ):
            raise PermissionDenied
        form = QuickAdvanceForm(request.POST)
        if not form.is_valid():
            return self._queue_answer(request, QUEUE_BAD_REQUEST_ERROR, ok=False)
        visit, shown = form.cleaned_data["visit"], form.cleaned_data["from_state"]
        if visit.state != shown:
            return self._queue_answer(
                request,
                QUEUE_STALE_ERROR
                % {"visit": visit, "state": visit.get_state_display()},
                ok=False,
                status=409,
            )
        try:
            visit = services.reservation_advance(reservation=visit, by=request.user)
        except (ValidationError, PermissionDenied) as error:
            return self._queue_answer(
                request, f"{visit}: {refusal_message(error)}", ok=False, status=409
            )
        return self._queue_answer(
            request,
            gettext("%(visit)s is now %(state)s.")
            % {"visit": visit, "state": visit.get_state_display()},
        )

    def _queue_answer(self, request, message, *, ok=True, status=400):
        """JSON for the page's script (it redraws the queue itself); otherwise
        a message and back to the page the button was on."""
        wanted = request.get_preferred_type(["text/html", "application/json"])
        if wanted == "application/json":
            if ok:
                return JsonResponse({"ok": True, "message": str(message)})
            return JsonResponse({"error": str(message)}, status=status)
        self.message_user(request, message, messages.SUCCESS if ok else messages.ERROR)
        return HttpResponseRedirect(_back_to(request))


def _back_to(request):
    """The page a queue button was on: its `next` if it is ours, else the queue
    of the day posted."""
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    back = reverse("admin:reservations_queue")
    day = _queue_day(request.POST)
    if day != timezone.localdate():
        back += f"?date={day.isoformat()}"
    return back


def _bands(request, day_visits, *, show_alerts):
    """The day's ongoing visits in their bands, as the queue draws them
    (read, and recorded in the access log)."""
    visits = day_visits.in_queue_order().select_related(
        "pet__owner", "slot", "visit_type"
    )
    # Alerts are medical: a marker per row for doctors, one query for all.
    if show_alerts:
        visits = visits.prefetch_related(active_alerts_prefetch("pet__alerts"))
    visits = list(visits)
    access_record(request, visits, view=AccessView.LIST)
    # The day's ongoing visits in queue order hold its queue: no query.
    places = day_queue_places(visits)
    bands = {band: [] for band in ORDERED_BANDS}
    to_triage, with_doctor = [], []
    mark_waits(visits)
    for visit in visits:
        visit.queue_place = places.get(visit.pk)
        if not states.is_triaged(visit):
            to_triage.append(visit)
        elif states.is_waiting(visit):
            bands[visit.triage].append(visit)
        else:
            with_doctor.append(visit)
    return {
        "bands": [(band, band.label, bands[band]) for band in ORDERED_BANDS],
        "to_triage": to_triage,
        "with_doctor": with_doctor,
    }


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
