"""Booking for a customer on the phone (the front desk, doctors): find the
customer's pet, pick a day and a free time, write down the reason. It books
through services.reservation_create like the owner's own booking page (the
same rules and e-mail), with the staff member as the one who booked."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_hospital_staff
from core.forms import id_from

from .. import services
from ..forms import CHOOSE_TIME_ERROR, BoundedDateTimeField, VisitTypeField
from ..models import RED_FLAG_FIELDS, SYMPTOMS_MAX_LENGTH, ClinicSettings, VisitType
from ..selectors import walk_in_pet_search
from ..slots import bookable_days, first_free_day, free_slots, parse_day
from .pet_search import PetSearchForm

# The buttons that redraw the form instead of booking (work without JavaScript).
REDRAW_BUTTONS = ("search", "times")


class BookForForm(PetSearchForm):
    # Any active type, also those owners cannot book online.
    visit_type = VisitTypeField(
        online_only=False,
        help_text=_("Choose it first: the free times fit its length."),
    )
    starts_at = BoundedDateTimeField(
        label=_("Time"),
        widget=forms.RadioSelect,
        error_messages={"required": CHOOSE_TIME_ERROR, "invalid": CHOOSE_TIME_ERROR},
    )
    symptoms = forms.CharField(
        label=_("Reason for the visit"),
        max_length=SYMPTOMS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 40}),
    )
    breathing_trouble = forms.BooleanField(
        label=_("Is the pet having trouble breathing?"), required=False
    )
    heavy_bleeding = forms.BooleanField(
        label=_("Is the pet bleeding heavily?"), required=False
    )
    collapse_or_seizure = forms.BooleanField(
        label=_("Has the pet collapsed or had a seizure?"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pets = self.fields["pet"]
        pets.queryset = pets.queryset.filter(owner__is_active=True)

    def offer(self, pets, times):
        """The pets found (and the one chosen) and the free `times` of the day."""
        self.offer_pets(pets)
        self.fields["starts_at"].widget.choices = [
            (start.isoformat(), f"{start:%H:%M}") for start in times
        ]

    def red_flag_fields(self):
        return [self[name] for name in RED_FLAG_FIELDS]

    def booking(self) -> dict:
        names = ["pet", "visit_type", "starts_at", "symptoms", *RED_FLAG_FIELDS]
        return {name: self.cleaned_data[name] for name in names}


class BookForPagesMixin:
    """Added to ReservationAdmin: the "book for a customer" page."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("book/", view(self.book_for_view), name="reservations_book_for"),
            *super().get_urls(),
        ]

    def book_for_view(self, request):
        if not (
            self.has_change_permission(request) and is_hospital_staff(request.user)
        ):
            raise PermissionDenied
        posted = request.POST if request.method == "POST" else None
        redraw = posted is not None and any(b in posted for b in REDRAW_BUTTONS)
        form = BookForForm(initial=posted.dict()) if redraw else BookForForm(posted)
        if posted is not None and not redraw and form.is_valid():
            details = form.booking()
            try:
                visit = services.reservation_create(
                    owner=details["pet"].owner, by=request.user, **details
                )
            except ValidationError as error:
                field = "starts_at" if error.code.startswith("slot") else None
                if error.code in ("ongoing", "visit_type"):
                    field = "pet" if error.code == "ongoing" else "visit_type"
                form.add_error(field, error)
            else:
                self.message_user(
                    request,
                    gettext(
                        "%(pet)s's visit is booked for %(time)s; %(owner)s gets "
                        "the confirmation e-mail."
                    )
                    % {
                        "pet": visit.pet.name,
                        "time": visit.slot,
                        "owner": visit.pet.owner.name,
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:reservations_reservation_change", args=[visit.pk])
                )
        rules = ClinicSettings.current()
        first, last = bookable_days(rules=rules)
        chosen = id_from((posted or request.GET).get("visit_type"))
        visit_type = (
            VisitType.objects.active().filter(pk=chosen).first() if chosen else None
        ) or VisitType.default()
        units = visit_type.slot_units
        day = (
            parse_day((posted or request.GET).get("day"))
            or first_free_day(rules=rules, units=units)
            or first
        )
        times = [
            timezone.localtime(s.starts_at)
            for s in free_slots(day, rules=rules, units=units)
        ]
        term = (posted or request.GET).get("q", "")
        form.offer(walk_in_pet_search(term), times)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Book a visit for a customer"),
            "opts": self.opts,
            "form": form,
            "day": day,
            "first_day": first,
            "last_day": last,
            "has_times": bool(times),
            "units": units,
        }
        return TemplateResponse(
            request,
            "admin/reservations/reservation/book_for.html",
            context,
            status=400 if form.is_bound and form.errors else 200,
        )
