"""The visit history on the pet's admin page: pets' admin shows what this
adds, and never imports reservations."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from pets.admin import PetAdmin

from ..models import Reservation
from .columns import red_flags_marker, slot_time, triage_badge


class VisitHistoryInline(admin.TabularInline):
    """The pet's visits, newest first; each is changed on its own page."""

    model = Reservation
    fields = ["slot_time", "state", "triage_column"]
    readonly_fields = fields
    show_change_link = True
    extra = 0
    can_delete = False
    verbose_name = _("visit")
    verbose_name_plural = _("visit history")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # The pet too: each row's title is "pet · slot".
        return (
            super()
            .get_queryset(request)
            .select_related("pet", "slot")
            .order_by("-slot__starts_at", "-pk")
        )

    @admin.display(description=_("slot"))
    def slot_time(self, visit):
        return slot_time(visit)

    @admin.display(description=_("triage"))
    def triage_column(self, visit):
        # With the red flags by name, as in the visit list.
        return format_html("{} {}", triage_badge(visit), red_flags_marker(visit))


# Above the doctor's notes. A pet being registered has none (PetAdmin.get_inlines).
PetAdmin.inlines = [VisitHistoryInline, *PetAdmin.inlines]
