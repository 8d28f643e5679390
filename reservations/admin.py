from django.contrib import admin

from .models import ClinicSettings, OpeningHours


@admin.register(ClinicSettings)
class ClinicSettingsAdmin(admin.ModelAdmin):
    """The one row of booking rules (made by a migration): change only."""

    list_display = [
        "__str__",
        "slot_minutes",
        "doctors_on_duty",
        "booking_horizon_days",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OpeningHours)
class OpeningHoursAdmin(admin.ModelAdmin):
    """Seven rows, one per weekday; empty times mean closed that day."""

    list_display = ["__str__", "opens", "closes"]
    list_editable = ["opens", "closes"]
    list_display_links = None

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
