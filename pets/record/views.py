"""The owner's side of the record that is not the pet page: the care
reminders switch."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..models import Pet
from . import medications, services, weights
from .forms import RefillForm, WeightForm
from .models import CareReminderSetting


class ReminderSettingForm(forms.ModelForm):
    class Meta:
        model = CareReminderSetting
        fields = ["enabled"]


@login_required
def care_reminders(request):
    """Switch care reminders on or off (also offered on the profile page)."""
    current = services.care_reminders_enabled(owner=request.user)
    # An unticked box posts nothing: the form is bound on any POST.
    data = request.POST if request.method == "POST" else None
    form = ReminderSettingForm(data, initial={"enabled": current})
    if request.method == "POST" and form.is_valid():
        enabled = form.cleaned_data["enabled"]
        services.care_reminders_set(owner=request.user, enabled=enabled)
        if enabled:
            messages.success(request, _("Care reminders are on."))
        else:
            messages.success(request, _("Care reminders are off."))
        return redirect(_next_url(request) or "pets:care-reminders")
    return render(request, "pets/record/care_reminders.html", {"form": form})


@login_required
def weight_report(request, pk):
    """The owner adds a weighing made at home; 404 for anybody else."""
    pet = get_object_or_404(Pet.objects.for_owner(request.user).active(), pk=pk)
    form = WeightForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            weights.weight_report(pet=pet, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The weight has been added."))
            return redirect(pet.get_absolute_url() + "?record=weight#record")
    status = 400 if form.errors else 200
    return render(
        request,
        "pets/record/weight_form.html",
        {"form": form, "pet": pet},
        status=status,
    )


@login_required
@require_POST
def refill_request(request, pk, prescription_pk):
    """The owner asks for a refill; 404 for anybody else's pet."""
    pet = get_object_or_404(Pet.objects.for_owner(request.user).active(), pk=pk)
    prescription = get_object_or_404(pet.prescriptions, pk=prescription_pk)
    form = RefillForm(request.POST)
    if form.is_valid():
        try:
            medications.refill_request(
                prescription=prescription, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Your request for %(drug)s has been sent to the doctors.")
                % {"drug": prescription.drug},
            )
    else:
        messages.error(
            request, " ".join(e for errs in form.errors.values() for e in errs)
        )
    return redirect(pet.get_absolute_url() + "?record=medications#record")


def _next_url(request):
    """Where the switch was posted from (the profile page), if it is ours."""
    url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None
