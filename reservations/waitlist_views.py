"""The owner's waitlist pages: join (linked from the booking page when a day
has no free time), leave (from "My visits"), and the offer of a freed place
(the e-mail's and the notification's link). Another customer's entry is 404."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.forms import id_from
from pets.models import Pet

from . import services
from .forms import VisitTypeField, ongoing_visit_error
from .models import SYMPTOMS_MAX_LENGTH, VisitType, WaitlistEntry
from .slot_views import online_type
from .slots import parse_day

DEFAULT_RANGE = datetime.timedelta(days=7)


class WaitlistForm(forms.Form):
    pet = forms.ModelChoiceField(
        label=gettext_lazy("Pet"), queryset=Pet.objects.none(), empty_label=None
    )
    # The place offered must fit it (a type of several slots waits for room
    # in all of them).
    visit_type = VisitTypeField(online_only=True)
    first_day = forms.DateField(
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    last_day = forms.DateField(
        label=gettext_lazy("Until"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    symptoms = forms.CharField(
        label=gettext_lazy("Reason for the visit"),
        max_length=SYMPTOMS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pet"].queryset = Pet.objects.for_owner(owner).active()
        self.fields["visit_type"].offer(VisitType.objects.online())


@login_required
def waitlist_join(request):
    day = parse_day(request.GET.get("date")) or timezone.localdate()
    pet = id_from(request.GET.get("pet"))
    own = request.user.pets.active().filter(pk=pet).first() if pet else None
    visit_type = online_type(request.GET.get("type"))
    form = WaitlistForm(
        request.POST or None,
        owner=request.user,
        initial={
            "pet": str(own.pk) if own else None,
            "visit_type": str(visit_type.pk) if visit_type else None,
            "first_day": day,
            "last_day": day + DEFAULT_RANGE,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.waitlist_join(owner=request.user, **form.cleaned_data)
        except ValidationError as error:
            field = {"days": "last_day", "already": "pet"}.get(error.code)
            field = "visit_type" if error.code == "visit_type" else field
            form.add_error(field, error)
        else:
            messages.success(
                request,
                _(
                    "%(pet)s is on the waitlist. We will e-mail you as soon as a "
                    "place frees up."
                )
                % {"pet": entry.pet.name},
            )
            return redirect("reservations:list")
    return render(
        request,
        "reservations/waitlist_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def _own_entry(request, pk):
    return get_object_or_404(
        WaitlistEntry.objects.for_owner(request.user).select_related(
            "pet", "offered_slot"
        ),
        pk=pk,
    )


@login_required
@require_POST
def waitlist_leave(request, pk):
    entry = services.waitlist_leave(entry=_own_entry(request, pk), by=request.user)
    messages.success(
        request, _("%(pet)s has left the waitlist.") % {"pet": entry.pet.name}
    )
    return redirect("reservations:list")


@login_required
def waitlist_offer(request, pk):
    """The place held for the owner: GET shows it, POST takes it."""
    entry = _own_entry(request, pk)
    if request.method == "POST":
        try:
            visit = services.waitlist_take(entry=entry, by=request.user)
        except ValidationError as error:
            if error.code == "ongoing":
                messages.error(request, ongoing_visit_error(entry.pet))
            else:
                messages.error(request, " ".join(error.messages))
            return redirect("reservations:waitlist-offer", pk=entry.pk)
        messages.success(
            request,
            _(
                "The place is yours: %(pet)s's visit is booked. "
                "A doctor will confirm it."
            )
            % {"pet": visit.pet.name},
        )
        return redirect(visit)
    is_open = (
        entry.state == WaitlistEntry.State.OFFERED
        and entry.offer_expires_at > timezone.now()
    )
    return render(
        request,
        "reservations/waitlist_offer.html",
        {"entry": entry, "is_open": is_open},
    )
