from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import DetailView, TemplateView

from accounts.access_log import AccessLoggedDetailMixin
from accounts.notifications import notifications_mark_read_for_url
from accounts.roles import load_roles
from core import page_parts
from core.forms import id_from
from pets.models import Pet
from pets.record.alerts import alerts_shown_to

from . import services, states, waits
from .booking_page import SHOW_TIMES, booking_form_page
from .calendar import CALENDAR_MIMETYPE, CANCEL, FILENAME, PUBLISH, visit_calendar
from .forms import ReservationForm, VisitCancelForm, ongoing_visit_error
from .models import (
    SYMPTOMS_MAX_LENGTH,
    Reservation,
    State,
    WaitlistEntry,
)
from .selectors import queue_places
from .slot_views import online_type

HISTORY_PAGE_SIZE = 20


class ReservationListView(LoginRequiredMixin, TemplateView):
    """The customer's visits: current ones with their place in the queue,
    then the history of finished and cancelled ones, a page at a time.

    The list is a part kept rendered until a visit, the clinic's rules or
    the owner's records change (core/page_parts.py): what it shows is read
    through the view's properties, only when the part is drawn."""

    template_name = "reservations/reservation_list.html"

    @property
    def part_generations(self):
        return [page_parts.VISITS, page_parts.owner_generation(self.request.user.pk)]

    def _visits(self):
        return Reservation.objects.for_owner(self.request.user).select_related(
            "pet", "slot", "visit_type"
        )

    @property
    def page_number(self):
        """?page= as the paginator reads it ("01" and "+1" are page 1), so
        that one page is kept once; what it cannot read stays as it is, and
        the page is a 404, which is never kept."""
        raw = self.request.GET.get("page") or "1"
        try:
            return int(raw)
        except ValueError:
            return raw

    @cached_property
    def history(self):
        """The page of finished and cancelled visits asked for (404 past the last)."""
        history = self._visits().closed().order_by("-slot__starts_at", "-pk")
        paginator = Paginator(history, HISTORY_PAGE_SIZE)
        try:
            return paginator.page(self.page_number)
        except InvalidPage as error:
            raise Http404(str(error)) from error

    @cached_property
    def current(self):
        """The ongoing visits, each with its place in the queue (None for a
        possible emergency: it shows its badge, never a number to wait for)."""
        current = list(self._visits().ongoing())
        places = queue_places(current)
        return [
            (visit, None if visit.come_in_now else places.get(visit.pk))
            for visit in current
        ]

    @cached_property
    def has_pets(self):
        # A visit is a pet's: no query to ask when there are visits.
        return (
            bool(self.current)
            or bool(self.history.object_list)
            or self.request.user.pets.exists()
        )

    @cached_property
    def waitlist(self):
        return list(
            WaitlistEntry.objects.for_owner(self.request.user)
            .active()
            .select_related("pet", "visit_type")
            .in_turn()
        )


class ReservationDetailView(LoginRequiredMixin, AccessLoggedDetailMixin, DetailView):
    """One visit: state, band, place in the queue, wait and what happened.

    Its owner's, or any for a doctor; another customer gets 404.
    """

    template_name = "reservations/reservation_detail.html"
    context_object_name = "reservation"

    def get_queryset(self):
        # The roles and permissions in one query: who sees the visit, the alerts.
        load_roles(self.request.user)
        return Reservation.objects.visible_to(self.request.user).select_related(
            "pet__owner", "slot", "visit_type"
        )

    def get_context_data(self, **kwargs):
        # The kept part is looked up before what it shows is read for drawing
        # it (core.page_parts.kept_part): the visit read to check access may
        # predate a change whose new generation the part would be kept under.
        if self._kept_part(self.object) is None:
            self.object = self._read_again(self.object)
        context = super().get_context_data(**kwargs)
        visit = self.object
        context["is_owner"] = visit.pet.owner_id == self.request.user.pk
        context["patient_alerts"] = alerts_shown_to(self.request.user, visit.pet)
        # Seeing the visit is reading what was said about it (before the
        # navbar's unread count is rendered).
        notifications_mark_read_for_url(
            user=self.request.user, url=visit.get_absolute_url()
        )
        # Read each time: the band's usual wait changes with time, not with
        # the visit (it varies the kept part: reservation_detail.html).
        context["band_wait"] = waits.band_wait(visit)
        return context

    def _kept_part(self, visit):
        return page_parts.kept_part(
            self.request,
            name="visit",
            generations=self.part_generations,
            # As the template varies it.
            vary=[
                visit.pk,
                visit.pet.owner_id == self.request.user.pk,
                waits.band_wait(visit),
                visit.pet.owner.name,
            ],
        )

    def _read_again(self, visit):
        again = self.get_queryset().filter(pk=visit.pk).first()
        if again is None:  # cancelled and gone since
            raise Http404
        return again

    # The visit itself is a part kept rendered until a visit, the clinic's
    # rules or the owner's records change (core/page_parts.py); its place,
    # events and version are read only when it is drawn.

    @property
    def part_generations(self):
        return [
            page_parts.VISITS,
            page_parts.NAMES,
            page_parts.owner_generation(self.object.pet.owner_id),
        ]

    @cached_property
    def place(self):
        # A possible emergency is told to come now: no place or wait to wait for.
        visit = self.object
        return None if visit.come_in_now else queue_places([visit]).get(visit.pk)

    @cached_property
    def events(self):
        return list(self.object.events.select_related("actor"))

    @cached_property
    def version(self):
        return services.reservation_version(self.object)


def _posted_and_redraw(request):
    """The posted data to book with (None for a page to draw), and whether
    the page is only drawn again for another day or type (SHOW_TIMES)."""
    if request.method != "POST":
        return None, False
    if SHOW_TIMES in request.POST:
        return None, True
    return request.POST, False


@login_required
def reservation_create(request):
    if request.method == "GET" and not request.GET:
        # The plain page: its form is made only if the kept part is not.
        form = SimpleLazyObject(
            lambda: ReservationForm(None, owner=request.user, initial=_prefill(request))
        )
        return booking_form_page(request, form, reservation=None, kept=True)
    posted, redraw = _posted_and_redraw(request)
    initial = request.POST.dict() if redraw else _prefill(request)
    form = ReservationForm(posted, owner=request.user, initial=initial)
    if posted is not None and form.is_valid():
        try:
            visit = services.reservation_create(
                owner=request.user, **form.booking_details()
            )
        except ValidationError as error:
            _add_booking_error(form, error)
        else:
            if visit.possible_emergency:
                messages.warning(request, _emergency_message())
            else:
                messages.success(
                    request,
                    _("Your visit for %(pet)s is booked. A doctor will confirm it.")
                    % {"pet": visit.pet},
                )
            return redirect(visit)
    return booking_form_page(request, form, reservation=None)


def _prefill(request):
    """What a link may choose for the owner (a care reminder, a no-show's
    rebooking link): ?pet= (one of their own active pets; another's id is
    ignored) and ?reason= (the symptoms, cut to their limit)."""
    pet = id_from(request.GET.get("pet"))
    own = (
        Pet.objects.for_owner(request.user).active().filter(pk=pet).first()
        if pet
        else None
    )
    reason = request.GET.get("reason") or ""
    visit_type = online_type(request.GET.get("type"))
    return {
        "pet": str(own.pk) if own else None,
        "symptoms": reason[:SYMPTOMS_MAX_LENGTH],
        "visit_type": str(visit_type.pk) if visit_type else None,
    }


@login_required
def reservation_edit(request, pk):
    visit = _own_visit(request, pk)
    if _refused(request, visit, allowed=states.can_edit):
        return redirect(visit)
    posted, redraw = _posted_and_redraw(request)
    initial = request.POST.dict() if redraw else None
    form = ReservationForm(posted, reservation=visit, initial=initial)
    if posted is not None and form.is_valid():
        try:
            services.reservation_update(
                reservation=visit, by=request.user, **form.booking_details()
            )
        except ValidationError as error:
            if error.code == "visit_changed":  # since the check above
                messages.warning(request, error.messages[0])
                return redirect(visit)
            _add_booking_error(form, error)
        else:
            messages.success(request, _("Your changes have been saved."))
            return redirect(visit)
    return booking_form_page(request, form, reservation=visit)


def _refused(request, visit, *, allowed):
    """Whether the page cannot go on (say why, and send the visit's page): the
    visit changed since the form was drawn, or `allowed(visit)` says no."""
    if _changed_meanwhile(request, visit):
        return True
    if not allowed(visit):
        messages.error(request, services.NOT_EDITABLE_ERROR)
        return True
    return False


def _changed_meanwhile(request, visit):
    """A form posted from a page older than the visit (another tab, a doctor,
    the first click of a double click): say what the visit is now, and let the
    caller send the fresh page rather than refuse with a misleading reason."""
    seen = request.POST.get("version") if request.method == "POST" else None
    if not seen or seen == services.reservation_version(visit):
        return False
    messages.warning(
        request,
        services.VISIT_CHANGED_ERROR % {"state": visit.get_state_display()},
    )
    return True


def _add_booking_error(form, error):
    # "Slot taken" and "not bookable" belong next to the time; the rest on top.
    field = "starts_at" if error.code in {"slot_taken", "slot_unavailable"} else None
    if error.code == "ongoing":
        pet = form.cleaned_data.get("pet") or getattr(form.reservation, "pet", None)
        error = ongoing_visit_error(pet)
    form.add_error(field, error)


def _emergency_message():
    return _(
        "You told us about a sign of an emergency. Please do not wait for "
        "your booked time: come to the hospital now."
    )


@login_required
def reservation_cancel(request, pk):
    visit = _own_visit(request, pk)
    if _refused(request, visit, allowed=states.can_cancel):
        return redirect(visit)
    form = VisitCancelForm(
        request.POST or None,
        initial={"version": services.reservation_version(visit)},
    )
    if request.method == "POST" and form.is_valid():
        reason, version = form.cleaned_data["reason"], form.cleaned_data["version"]
        if _transition(request, visit, State.CANCELLED, reason, version=version):
            messages.success(request, _("The visit has been cancelled."))
        return redirect(visit)
    status = 400 if form.errors else 200
    return render(
        request,
        "reservations/reservation_cancel.html",
        {"reservation": visit, "form": form},
        status=status,
    )


@login_required
@require_POST
def reservation_pickup(request, pk):
    """The owner confirms pickup from the visit page's button."""
    visit = _own_visit(request, pk)
    if _changed_meanwhile(request, visit):
        pass  # the fresh page says what it is now
    elif not states.can_pick_up(visit):
        messages.error(request, _("Your pet is not ready to be collected yet."))
    elif _transition(
        request, visit, State.FINISHED, version=request.POST.get("version") or None
    ):
        messages.success(
            request, _("Thank you. %(pet)s's visit is finished.") % {"pet": visit.pet}
        )
    return redirect(visit)


def _own_visit(request, pk):
    """The changing pages are the owner's only: doctors use the dashboard."""
    return get_object_or_404(
        Reservation.objects.for_owner(request.user).select_related("pet", "slot"),
        pk=pk,
    )


def _transition(request, visit, to_state, note="", *, version=None):
    """Run the move; a refused one becomes a message on the visit page."""
    try:
        services.reservation_transition(
            reservation=visit,
            to_state=to_state,
            by=request.user,
            note=note,
            version=version or None,
        )
    except (ValidationError, PermissionDenied) as error:
        for message in getattr(error, "messages", [str(error)]):
            messages.error(request, message)
        return False
    return True


@login_required
@require_GET
def reservation_calendar(request, pk):
    """The visit as a calendar file, for its owner only (another customer's
    visit is a 404): the same UID as the e-mails' files, at its latest
    SEQUENCE, cancelled once the visit is."""
    visit = _own_visit(request, pk)
    method = CANCEL if visit.is_cancelled else PUBLISH
    content = visit_calendar(visit, method=method, sequence=visit.events.count())
    response = HttpResponse(content, content_type=f"{CALENDAR_MIMETYPE}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{FILENAME}"'
    return response
