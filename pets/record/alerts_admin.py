"""Patient alerts on the pet's admin page: a coloured banner above the form,
an inline to set and clear them, and a button to confirm an allergy the
owner wrote in the notes."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from . import alerts
from .alert_models import PatientAlert


class AlertForm(forms.ModelForm):
    clear = forms.BooleanField(label=pgettext_lazy("alert", "clear"), required=False)

    class Meta:
        model = PatientAlert
        fields = ["kind", "text"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A set alert is only cleared; a new one has nothing to clear.
        for name in ("kind", "text") if self.instance.pk else ("clear",):
            self.fields[name].disabled = True

    def _post_clean(self):
        pass  # the service validates


class AlertInline(admin.TabularInline):
    """The pet's active alerts; a cleared one leaves the list."""

    model = PatientAlert
    fk_name = "pet"
    form = AlertForm
    fields = ["kind", "text", "set_by", "created_at", "clear"]
    readonly_fields = ["set_by", "created_at"]
    extra = 1
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).active().select_related("set_by")


def alert_forms_save(*, request, pet, formset) -> None:
    for form in formset.forms:
        if not form.has_changed() or not form.is_valid():
            continue
        if form.instance.pk:
            if form.cleaned_data.get("clear"):
                alerts.alert_clear(alert=form.instance, by=request.user)
                formset.changed_objects.append((form.instance, ["clear"]))
            continue
        alert = alerts.alert_set(
            pet=pet,
            by=request.user,
            kind=form.cleaned_data["kind"],
            text=form.cleaned_data["text"],
        )
        formset.new_objects.append(alert)


class AlertPagesMixin:
    """Added to PetAdmin: the banner's context and the confirm button's URL."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/confirm-allergy/",
                view(require_POST(self.confirm_allergy_view)),
                name="pets_pet_confirm_allergy",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        pet = self.get_object(request, object_id)
        # Alerts are medical: the front desk, which may open the pet, does
        # not see them (nor the owner's allergies offered as alerts).
        if pet is not None and request.user.has_perm("pets.view_patientalert"):
            every = list(pet.alerts.select_related("set_by"))
            extra_context = {
                **(extra_context or {}),
                "patient_alerts": [a for a in every if a.cleared_at is None],
                "allergy_suggestions": alerts.allergy_suggestions(pet, every),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def confirm_allergy_view(self, request, pk):
        pet = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, pet):
            raise PermissionDenied
        try:
            alerts.allergy_confirm(pet=pet, by=request.user, text=request.POST["text"])
        except (ValidationError, KeyError) as error:
            text = " ".join(getattr(error, "messages", [str(error)]))
            self.message_user(request, text, messages.ERROR)
        else:
            self.message_user(request, _("The allergy is now an alert."))
        return HttpResponseRedirect(reverse("admin:pets_pet_change", args=[pet.pk]))
