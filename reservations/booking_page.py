"""The booking form's page: a new visit's, or a visit being changed (the
views are reservation_create and reservation_edit, in views.py)."""

from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import cached_property

from core import page_parts

from .models import ClinicSettings, VisitType
from .slot_views import online_type
from .slots import bookable_days, first_free_day, free_slots, opening_hours, parse_day

# The booking page's "Show free times" button (without JavaScript): it posts
# the form to draw it again for the chosen day and type, booking nothing.
SHOW_TIMES = "show_times"


def booking_form_page(request, form, *, reservation, kept=False):
    """The booking form's page (a new visit's or a visit being changed).

    `kept`: the plain booking page, asked for without any choice made (no
    query string, nothing posted), is a part kept rendered until the owner's
    pets, a visit or a slot, the hours, the rules or the types change
    (core/page_parts.py), and from minute to minute (free times are future
    ones; a time taken meanwhile is refused by the booking itself). `form` is
    then read only when the part is drawn, as the times are."""
    context = {
        "form": form,
        "reservation": reservation,
        "times": BookingTimes(request, form, reservation),
        "show_times": SHOW_TIMES,
        "part_generations": (
            [page_parts.VISITS, page_parts.owner_generation(request.user.pk)]
            if kept
            else None
        ),
        "part_minute": page_parts.current_minute(),
    }
    # A kept page's form is unbound: no errors, and not made to ask.
    status = 400 if not kept and form.errors else 200
    return render(request, "reservations/reservation_form.html", context, status=status)


class BookingTimes:
    """The day the booking form offers, its free times and the visit's
    length, read when the page draws them (the rules and hours once for all
    the days it looks at)."""

    def __init__(self, request, form, reservation):
        self.request, self.form, self.reservation = request, form, reservation

    @cached_property
    def rules(self):
        return ClinicSettings.current()

    @cached_property
    def hours(self):
        return opening_hours()

    @cached_property
    def bookable(self):
        return bookable_days(rules=self.rules)

    @property
    def first_day(self):
        return self.bookable[0]

    @property
    def last_day(self):
        return self.bookable[1]

    @cached_property
    def visit_type(self):
        return _chosen_type(self.form, self.reservation)

    @cached_property
    def units(self):
        if self.reservation is not None:
            return self.reservation.places
        return self.visit_type.slot_units

    @property
    def visit_minutes(self):
        return self.units * self.rules.slot_minutes

    @cached_property
    def day(self):
        return (
            _chosen_day(self.request, self.form, self.reservation)
            or first_free_day(rules=self.rules, hours=self.hours, units=self.units)
            or self.first_day
        )

    @cached_property
    def free_slots(self):
        day, reservation = self.day, self.reservation
        offered = [
            timezone.localtime(slot.starts_at)
            for slot in free_slots(
                day, rules=self.rules, hours=self.hours, units=self.units
            )
        ]
        if reservation is not None:
            # A visit being changed keeps its own time on offer.
            own = timezone.localtime(reservation.slot.starts_at)
            if own.date() == day and own not in offered:
                offered = sorted([*offered, own])
        return offered


def _chosen_type(form, reservation):
    """The type whose length the free times are for: the visit's own, else
    the one posted or asked for (an owner's type), else the default."""
    if reservation is not None:
        return reservation.visit_type
    if form.is_bound:
        chosen = form.cleaned_data.get("visit_type")
        value = chosen.pk if chosen else form.data.get("visit_type")
    else:
        value = form.initial.get("visit_type")
    if value is None and getattr(form.fields.get("visit_type"), "offered", None):
        # VisitType.default(), from the types the form read already.
        return form.fields["visit_type"].offered[0]
    return online_type(value) or VisitType.default()


def _chosen_day(request, form, reservation):
    """The day whose times the page offers: the time just posted, else the
    day asked for with "Show free times" or in ?date= (a link), else the
    visit's."""
    starts_at = form.cleaned_data.get("starts_at") if form.is_bound else None
    if starts_at:
        return timezone.localdate(starts_at)
    day = parse_day(request.POST.get("date") or request.GET.get("date"))
    if day is not None:
        return day
    if reservation is not None:
        return timezone.localdate(reservation.slot.starts_at)
    return None
