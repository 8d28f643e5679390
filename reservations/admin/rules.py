"""Booking rules and opening hours: kept by doctors, change only."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import ClinicSettings, MaxWait, OpeningHours, VisitType


class ChangeOnlyAdmin(admin.ModelAdmin):
    """Rows made by a migration: doctors change them, never add or delete."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ClinicSettingsForm(forms.ModelForm):
    class Meta:
        model = ClinicSettings
        fields = ["slot_minutes", "doctors_on_duty", "booking_horizon_days"]

    def clean(self):
        # The service checks again, in its transaction; here the doctor gets
        # the reason on the form (a new length with places booked ahead).
        cleaned = super().clean()
        if "slot_minutes" in cleaned:
            services.slot_length_check(
                slot_minutes=cleaned["slot_minutes"], rules=ClinicSettings.current()
            )
        return cleaned


@admin.register(ClinicSettings)
class ClinicSettingsAdmin(ChangeOnlyAdmin):
    """The one row of booking rules (made by a migration): change only."""

    form = ClinicSettingsForm
    list_display = [
        "__str__",
        "slot_minutes",
        "doctors_on_duty",
        "booking_horizon_days",
    ]

    def save_model(self, request, obj, form, change):
        # Through the service, which also resizes future slots.
        services.clinic_settings_update(
            slot_minutes=form.cleaned_data["slot_minutes"],
            doctors_on_duty=form.cleaned_data["doctors_on_duty"],
            booking_horizon_days=form.cleaned_data["booking_horizon_days"],
        )


@admin.register(OpeningHours)
class OpeningHoursAdmin(ChangeOnlyAdmin):
    """Seven rows, one per weekday; empty times mean closed that day."""

    list_display = ["__str__", "opens", "closes"]
    list_editable = ["opens", "closes"]
    list_display_links = None

    def save_model(self, request, obj, form, change):
        # The list's editable times (list_editable) come here too, row by row.
        services.opening_hours_update(
            hours=obj,
            opens=form.cleaned_data["opens"],
            closes=form.cleaned_data["closes"],
        )


@admin.register(MaxWait)
class MaxWaitAdmin(ChangeOnlyAdmin):
    """One row per band (made by a migration): how long a checked-in visit
    may wait before the dashboard turns it red and alerts the doctors."""

    list_display = ["__str__", "minutes"]
    list_editable = ["minutes"]
    list_display_links = None

    def save_model(self, request, obj, form, change):
        services.max_wait_update(max_wait=obj, minutes=form.cleaned_data["minutes"])


@admin.register(VisitType)
class VisitTypeAdmin(admin.ModelAdmin):
    """What visits are for and how many slots each takes; doctors add and
    change them (a type in use is made inactive, not deleted: its visits
    keep it)."""

    list_display = ["name", "name_zh", "slot_units", "length", "online", "active"]
    list_editable = ["online", "active"]
    list_filter = ["active", "online"]
    ordering = ["position", "pk"]
    fields = ["name", "name_zh", "slot_units", "online", "active", "position"]

    @admin.display(description=_("length (minutes)"))
    def length(self, visit_type):
        return visit_type.minutes(self._slot_minutes)

    def get_queryset(self, request):
        # Read once for the list's minutes column.
        self._slot_minutes = ClinicSettings.current().slot_minutes
        return super().get_queryset(request)
