"""Refill requests in the doctor dashboard: urgent first, approved or
declined from the list (the services tell the owner); and the care reminders
sent, read-only."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.access_log_admin import AccessLoggedAdminMixin
from core.admin_views import DefaultChoiceFilter, ReadOnlyAdminMixin

from . import medications
from .health_models import RefillRequest, RefillStatus
from .models import CareNotice


class StatusFilter(DefaultChoiceFilter):
    """Waiting requests by default: what a doctor has to answer."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*RefillStatus.choices, (self.ALL, _("All"))]

    def default(self):
        return RefillStatus.PENDING

    def queryset(self, request, queryset):
        if self.value() in RefillStatus.values:
            return queryset.filter(status=self.value())
        return queryset


@admin.register(RefillRequest)
class RefillRequestAdmin(AccessLoggedAdminMixin, admin.ModelAdmin):
    # Its pages show a pet's record (the drug, the owner's note): logged as
    # the pet's (accounts/access_log_admin.py).
    access_log_through = "prescription__pet"
    list_display = [
        "urgency",
        "pet_link",
        "drug",
        "requested_by",
        "created_at",
        "note",
        "status",
        "decided_by",
    ]
    list_filter = [StatusFilter, "urgent"]
    list_select_related = ["prescription__pet", "requested_by", "decided_by"]
    search_fields = ["prescription__drug", "prescription__pet__name"]
    actions = ["approve", "decline"]
    fields = [
        "prescription",
        "requested_by",
        "urgent",
        "note",
        "status",
        "decided_by",
        "decided_at",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # owners ask from their pet's page

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("urgent"), ordering="-urgent")
    def urgency(self, refill):
        if refill.urgent:
            return format_html(
                '<span class="triage-badge triage-emergency">{}</span>', _("Urgent")
            )
        return ""

    @admin.display(description=_("pet"), ordering="prescription__pet__name")
    def pet_link(self, refill):
        pet = refill.prescription.pet
        url = reverse("admin:pets_pet_change", args=[pet.pk])
        return format_html('<a href="{}">{}</a>', url, pet.name)

    @admin.display(description=_("drug"), ordering="prescription__drug")
    def drug(self, refill):
        return refill.prescription.drug

    @admin.action(description=_("Approve the refill"), permissions=["change"])
    def approve(self, request, queryset):
        self._decide(request, queryset, approve=True)

    @admin.action(description=_("Decline the refill"), permissions=["change"])
    def decline(self, request, queryset):
        self._decide(request, queryset, approve=False)

    def _decide(self, request, queryset, *, approve):
        done = 0
        for refill in queryset.pending():
            try:
                medications.refill_decide(
                    refill=refill, by=request.user, approve=approve
                )
            except ValidationError:
                continue  # answered meanwhile by another doctor
            done += 1
        message = ngettext(
            "%(count)d refill request answered.",
            "%(count)d refill requests answered.",
            done,
        )
        self.message_user(request, message % {"count": done}, messages.SUCCESS)


@admin.register(CareNotice)
class CareNoticeAdmin(AccessLoggedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Which care reminders went out: the answer to "was the owner told?"."""

    access_log_through = "dose__pet"  # the pet's record, as above

    list_display = ["sent_on", "owner", "pet", "item", "stage", "next_due"]
    list_filter = ["stage", "sent_on"]
    list_select_related = ["owner", "dose__pet", "dose__item"]
    search_fields = ["dose__pet__name", "owner__username", "owner__email"]
    # No date_hierarchy: Django's answers 500 to ?sent_on__year=9999 (it
    # computes the year after); the list filter on sent_on covers it.

    @admin.display(description=_("pet"), ordering="dose__pet__name")
    def pet(self, notice):
        return notice.dose.pet.name

    @admin.display(description=_("care item"))
    def item(self, notice):
        return notice.dose.item.display_name

    @admin.display(description=_("next due"), ordering="dose__next_due")
    def next_due(self, notice):
        return notice.dose.next_due
