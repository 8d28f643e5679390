"""Putting a customer on the waitlist on the phone (the front desk, doctors):
find the customer's pet, a type of visit (also one owners cannot book
online), the days they can come and a note. It joins through
services.waitlist_join like the owner's own waitlist page (the same rules),
with the staff member as the one who added it; places are offered to the
owner by e-mail and notification as to everyone on the list."""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import is_hospital_staff
from core.forms import id_from

from .. import services
from ..forms import VisitTypeField
from ..models import SYMPTOMS_MAX_LENGTH, ClinicSettings, VisitType
from ..selectors import walk_in_pet_search
from ..slots import bookable_days
from .pet_search import PetSearchForm

# The default range of days offered: a week from the first bookable day.
DEFAULT_RANGE = datetime.timedelta(days=7)
WAITLIST_FOR_PET_ERROR = _("Choose one of this customer's pets.")


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _customer_label(user) -> str:
    contact = " · ".join(part for part in (user.phone, user.email) if part)
    return f"{user.name} · {contact}" if contact else user.name


class WaitlistForForm(PetSearchForm):
    # Deactivated accounts are listed too, so that the service's refusal
    # says why rather than "not one of the available choices".
    customer = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=User.objects.all(),
        required=False,
        empty_label=_("— the pet's owner —"),
    )
    # Any active type, also those owners cannot book online.
    visit_type = VisitTypeField(online_only=False)
    first_day = forms.DateField(label=_("From"), widget=_date_input())
    last_day = forms.DateField(label=_("Until"), widget=_date_input())
    symptoms = forms.CharField(
        label=_("Reason for the visit"),
        required=False,
        max_length=SYMPTOMS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 40}),
        help_text=_("Optional: the type of visit when left empty."),
    )

    def offer(self, pets):
        """The pets found (and the one chosen), and their owners."""
        pets = self.offer_pets(pets)
        owners = {pet.owner.pk: pet.owner for pet in pets}
        customer = id_from(self["customer"].value())
        if customer and customer not in owners:
            owners.update({u.pk: u for u in User.objects.filter(pk=customer)})
        self.fields["customer"].widget.choices = [
            ("", self.fields["customer"].empty_label),
            *((u.pk, _customer_label(u)) for u in owners.values()),
        ]

    def entry(self) -> dict:
        data = self.cleaned_data
        visit_type = data["visit_type"] or VisitType.default()
        return {
            "owner": data["customer"] or data["pet"].owner,
            "pet": data["pet"],
            "visit_type": visit_type,
            "first_day": data["first_day"],
            "last_day": data["last_day"],
            "symptoms": data["symptoms"] or visit_type.label,
        }


class WaitlistForPagesMixin:
    """Added to WaitlistEntryAdmin: the "put a customer on the waitlist" page."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "join/", view(self.waitlist_for_view), name="reservations_waitlist_for"
            ),
            *super().get_urls(),
        ]

    def may_put_on(self, request):
        return self.has_view_permission(request) and is_hospital_staff(request.user)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_put_on": self.may_put_on(request),
        }
        return super().changelist_view(request, extra_context)

    def waitlist_for_view(self, request):
        if not self.may_put_on(request):
            raise PermissionDenied
        posted = request.POST if request.method == "POST" else None
        redraw = posted is not None and "search" in posted
        first, _last = bookable_days(rules=ClinicSettings.current())
        first = max(first, timezone.localdate())
        initial = {"first_day": first, "last_day": first + DEFAULT_RANGE}
        if redraw:
            form = WaitlistForForm(initial={**initial, **posted.dict()})
        else:
            form = WaitlistForForm(posted, initial=initial)
        if posted is not None and not redraw and form.is_valid():
            try:
                entry = services.waitlist_join(by=request.user, **form.entry())
            except ValidationError as error:
                field = {
                    "days": "last_day",
                    "already": "pet",
                    "visit_type": "visit_type",
                    "owner": "customer",
                }.get(error.code)
                if error.code == "pet":
                    error, field = ValidationError(WAITLIST_FOR_PET_ERROR), "pet"
                form.add_error(field, error)
            else:
                self.message_user(
                    request,
                    gettext(
                        "%(pet)s is on the waitlist from %(first)s to %(last)s; "
                        "%(owner)s is offered the first free place by e-mail."
                    )
                    % {
                        "pet": entry.pet.name,
                        "first": entry.first_day,
                        "last": entry.last_day,
                        "owner": entry.owner.name,
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:reservations_waitlistentry_changelist")
                )
        term = (posted or request.GET).get("q", "")
        form.offer(walk_in_pet_search(term))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Put a customer on the waitlist"),
            "opts": self.opts,
            "form": form,
        }
        return TemplateResponse(
            request,
            "admin/reservations/waitlistentry/waitlist_for.html",
            context,
            status=400 if form.is_bound and form.errors else 200,
        )
