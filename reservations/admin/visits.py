"""The visit list and a visit's page for doctors (the list's actions: actions.py)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.db.models.functions import TruncDate
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.access_log_admin import AccessLoggedAdminMixin
from accounts.phones import PhoneSearchMixin
from accounts.roles import is_doctor
from core.admin_paging import PageFirstAdminMixin, change_url
from core.admin_parts import KeptResultsAdminMixin, results_kept
from core.page_parts import NAMES, PETS, VISITS
from pets.record.alerts import active_alerts_prefetch, may_see_alerts
from pets.templatetags.pets_tags import pet_photo

from .. import services, states
from ..models import Reservation, ReservationEvent
from ..selectors import queue_places
from ..states import State
from .actions import VisitActionsMixin
from .book_for import BookForPagesMixin
from .columns import (
    ReadOnlyTabularInline,
    red_flags_marker,
    refusal_message,
    slot_cell,
    slot_time,
    triage_badge,
)
from .filters import DayFilter, ProgressFilter
from .flow import FlowReportPagesMixin
from .forms import FrontDeskDecisionForm, VisitDecisionForm
from .queue import QueuePagesMixin
from .walk_in import WalkInPagesMixin

# --- admins -----------------------------------------------------------------------


class EventInline(ReadOnlyTabularInline):
    """The visit's history: read-only, since events record what happened."""

    model = ReservationEvent
    fields = ["created_at", "actor", "kind", "from_label", "to_label", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("from"))
    def from_label(self, event):
        return event.from_label

    @admin.display(description=_("to"))
    def to_label(self, event):
        return event.to_label


@admin.register(Reservation)
class ReservationAdmin(
    AccessLoggedAdminMixin,
    KeptResultsAdminMixin,
    PageFirstAdminMixin,
    PhoneSearchMixin,
    WalkInPagesMixin,
    BookForPagesMixin,
    FlowReportPagesMixin,
    QueuePagesMixin,
    VisitActionsMixin,
    admin.ModelAdmin,
):
    # The plain list's table is kept rendered until these change (issue 14).
    kept_results_generations = (VISITS, NAMES, PETS)
    # No second COUNT(*) of the whole table beside the filtered one (issue 14):
    # a filtered list offers "Show all" instead of the total.
    show_full_result_count = False
    # 50 rows a page, not Django's 100: a page renders in half the time, and
    # the search and the filters find the rest (issue 14).
    list_per_page = 50
    form = VisitDecisionForm
    # Fits 1280 px beside the sidebar and the filters: the photo goes with the
    # name, the red flags under the band, short headers, and the owner last
    # (the table scrolls rather than hide slot, place and wait).
    list_display = [
        "pet_column",
        "triage_and_flags",
        "state",
        "slot_column",
        "place",
        "wait",
        "owner_link",
    ]
    list_display_links = ["pet_column"]
    list_filter = [DayFilter, ProgressFilter, "state", "triage"]
    list_select_related = ["pet__owner", "slot", "visit_type"]
    # Facet counts would cost a query per filter choice.
    show_facets = admin.ShowFacets.NEVER
    search_fields = [
        "pet__name",
        "pet__owner__username",
        "pet__owner__display_name",
        "pet__owner__email",
        "pet__owner__phone",
    ]
    # Also by the phone's digits alone (accounts.phones).
    phone_search_user = "pet__owner"
    search_help_text = _("Pet name, owner's username or name, e-mail or phone.")
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "pet_link",
                    "owner_link",
                    "owner_no_shows",
                    "slot_time",
                    "visit_type",
                    "state",
                    "triage_column",
                    "place_in_queue",
                    "estimated_wait",
                ]
            },
        ),
        (_("Symptoms"), {"fields": ["symptoms", "red_flags", "cancel_reason"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    # What the page shows is read-only: decisions go through the form's fields.
    readonly_fields = [name for _title, part in fieldsets for name in part["fields"]]
    # Shown only to those who may change the visit (see get_fieldsets).
    # `version` is hidden: the visit as the page showed it (see the form).
    decision_fieldset = (
        _("Decision"),
        {"fields": ["set_triage", "move_to", "note", "version"]},
    )
    inlines = [EventInline]
    # The public visit page is the owner's alone: a doctor would get 404 there.
    view_on_site = False
    # The actions: see VisitActionsMixin.

    # --- permissions: customers book visits; nobody deletes one

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # A finished or cancelled visit is history: its page is read-only.
        return super().has_change_permission(request, obj) and (
            obj is None or states.is_ongoing(obj)
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(self.fieldsets)
        if self.has_change_permission(request, obj):
            fieldsets.insert(-1, self._decision_fieldset(request))
        return fieldsets

    def _decision_fieldset(self, request):
        if is_doctor(request.user):
            return self.decision_fieldset
        # The front desk: its own moves (FrontDeskDecisionForm), no triage.
        title, part = self.decision_fieldset
        fields = [name for name in part["fields"] if name != "set_triage"]
        return (title, {"fields": fields})

    def get_form(self, request, obj=None, change=False, **kwargs):
        if not is_doctor(request.user):
            kwargs["form"] = FrontDeskDecisionForm
        return super().get_form(request, obj, change, **kwargs)

    # --- the list

    def get_queryset(self, request):
        # Built here rather than by the stock method, which orders before the
        # band exists to order by. Day first, then the queue's own order.
        return Reservation.objects.in_queue_order().alias(
            visit_day=TruncDate("slot__starts_at")
        )

    def get_ordering(self, request):
        return ["visit_day", "band", "queue_position"]

    def get_changelist_instance(self, request):
        # Places and waits of the whole page in one go (queue_places reads
        # each day's queue once), so the page costs the same for any length.
        changelist = super().get_changelist_instance(request)
        if results_kept(request):
            return changelist  # the table is kept: its rows are not drawn
        places = queue_places(changelist.result_list)
        for visit in changelist.result_list:  # the page's own cached rows
            visit.queue_place = places.get(visit.pk)
        # The pets' alerts as badges, for doctors only: one query per page.
        if may_see_alerts(request.user):
            prefetch_related_objects(
                changelist.result_list, active_alerts_prefetch("pet__alerts")
            )
        return changelist

    @admin.display(description=_("pet"), ordering="pet__name")
    def pet_column(self, visit):
        # `active_alerts` is there when the list prefetched it (doctors).
        markers = ""
        # No alert, no markers: the template is drawn only for those with one.
        if getattr(visit.pet, "active_alerts", None):
            markers = render_to_string(
                "pets/record/alert_markers.html", {"pet": visit.pet}
            )
        return format_html(
            '<span class="visit-pet">{}<span>{}</span>{}</span>',
            pet_photo(visit.pet, "sm"),
            visit.pet.name,
            markers,
        )

    @admin.display(description=_("pet"))
    def pet_link(self, visit):
        url = reverse("admin:pets_pet_change", args=[visit.pet_id])
        return format_html('<a href="{}">{}</a>', url, visit.pet.name)

    @admin.display(description=_("owner"), ordering="pet__owner__username")
    def owner_link(self, visit):
        owner = visit.pet.owner
        url = change_url("admin:accounts_user_change", owner.pk)
        return format_html('<a href="{}">{}</a>', url, owner.name)

    @admin.display(description=_("owner's no-shows"))
    def owner_no_shows(self, visit):
        # The customer's record at the desk: visits they never came to.
        return (
            Reservation.objects.for_owner(visit.pet.owner_id)
            .filter(state=State.NO_SHOW)
            .count()
        )

    @admin.display(description=_("triage"), ordering="triage")
    def triage_column(self, visit):
        return triage_badge(visit)

    @admin.display(description=_("triage"), ordering="triage")
    def triage_and_flags(self, visit):
        return format_html("{}{}", triage_badge(visit), red_flags_marker(visit))

    @admin.display(description=_("red flags"))
    def red_flags(self, visit):
        return red_flags_marker(visit)

    @admin.display(description=_("slot"), ordering="slot__starts_at")
    def slot_time(self, visit):
        return slot_time(visit)

    @admin.display(description=_("slot"), ordering="slot__starts_at")
    def slot_column(self, visit):
        return slot_cell(visit)

    @admin.display(description=pgettext_lazy("place in the queue", "place"))
    def place(self, visit):
        place = self._queue_place(visit)
        # A visit's own page prints None as "None" (the list would show "-").
        return place.place if place else self.get_empty_value_display()

    @admin.display(description=pgettext_lazy("estimated wait", "wait"))
    def wait(self, visit):
        place = self._queue_place(visit)
        if place is None:
            return self.get_empty_value_display()
        return gettext("about %(minutes)d min") % {"minutes": place.wait_minutes}

    @admin.display(description=_("place in queue"))
    def place_in_queue(self, visit):
        return self.place(visit)

    @admin.display(description=_("estimated wait"))
    def estimated_wait(self, visit):
        return self.wait(visit)

    @staticmethod
    def _queue_place(visit):
        # The list sets it for the whole page; a visit's own page asks here.
        if not hasattr(visit, "queue_place"):
            visit.queue_place = queue_places([visit]).get(visit.pk)
        return visit.queue_place

    # --- a visit's page: the decision goes through the services

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The pet's alerts above the visit, for doctors only (as on its page).
        visit = self.get_object(request, object_id)
        if visit is not None and may_see_alerts(request.user):
            extra_context = {
                **(extra_context or {}),
                "patient_alerts": list(visit.pet.alerts.active()),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        # Checked again under the lock by the first change made: another
        # doctor may have moved the visit since the form was validated.
        version = data.get("version") or None
        try:
            # Both or neither: a refused move also undoes a triage made with it.
            with transaction.atomic():
                triage = data.get("set_triage", obj.triage)
                if triage != obj.triage:
                    services.reservation_triage(
                        reservation=obj,
                        triage=triage,
                        by=request.user,
                        version=version,
                    )
                    version = None  # the triage changed it, as intended
                if data["move_to"]:
                    services.reservation_transition(
                        reservation=obj,
                        to_state=data["move_to"],
                        by=request.user,
                        note=data["note"],
                        version=version,
                    )
        except (ValidationError, PermissionDenied) as error:
            # The admin goes on to log and report a success: remember to stop it.
            request.visit_refused = True
            self.message_user(request, refusal_message(error), messages.ERROR)

    def log_change(self, request, obj, message):
        if not getattr(request, "visit_refused", False):
            super().log_change(request, obj, message)

    def response_change(self, request, obj):
        if getattr(request, "visit_refused", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)
