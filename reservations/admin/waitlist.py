"""The waitlist in the dashboard: doctors and the front desk see who waits
for a place, for which days, and the offers held. Owners join and leave on
the public site, and places are offered by the services; the staff put an
owner on the list (waitlist_for.py) or take them off it, asked on the phone,
through the same services."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.roles import is_hospital_staff
from core.admin_views import ReadOnlyAdminMixin

from .. import services
from ..models import WaitlistEntry
from .waitlist_for import WaitlistForPagesMixin


class ActiveFilter(admin.SimpleListFilter):
    title = _("on the list")
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("yes", _("Waiting or offered")), ("all", _("All"))]

    def choices(self, changelist):
        # "Waiting or offered" is the default: the list a desk works from.
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or "yes") == value,
                "query_string": changelist.get_query_string(
                    {self.parameter_name: value}
                ),
                "display": label,
            }

    def queryset(self, request, queryset):
        return queryset if self.value() == "all" else queryset.active()


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ReadOnlyAdminMixin, WaitlistForPagesMixin, admin.ModelAdmin):
    list_display = [
        "pet_link",
        "owner_contact",
        "visit_type",
        "first_day",
        "last_day",
        "state",
        "by_staff",
        "offered_slot",
        "offer_expires_at",
        "created_at",
    ]
    list_display_links = None
    list_filter = [ActiveFilter, "state"]
    list_select_related = ["pet", "owner", "offered_slot", "visit_type"]
    search_fields = ["pet__name", "owner__display_name", "owner__email", "owner__phone"]
    ordering = ["created_at", "pk"]
    show_facets = admin.ShowFacets.NEVER

    actions = ["take_off"]

    @admin.display(description=_("pet"), ordering="pet__name")
    def pet_link(self, entry):
        url = reverse("admin:pets_pet_change", args=[entry.pet_id])
        return format_html('<a href="{}">{}</a>', url, entry.pet.name)

    @admin.display(description=_("owner"), ordering="owner__display_name")
    def owner_contact(self, entry):
        owner = entry.owner
        contact = " · ".join(part for part in (owner.phone, owner.email) if part)
        return format_html("{}<br><small>{}</small>", owner.name, contact)

    @admin.action(
        description=_("Take off the waitlist (a held place goes to the next)"),
        permissions=["staff"],
    )
    def take_off(self, request, queryset):
        taken = 0
        for entry in queryset.active():
            services.waitlist_leave(entry=entry, by=request.user)
            taken += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d owner taken off the waitlist.",
                "%(count)d owners taken off the waitlist.",
                taken,
            )
            % {"count": taken},
            messages.SUCCESS,
        )

    def has_staff_permission(self, request):
        return self.has_view_permission(request) and is_hospital_staff(request.user)
