"""The doctors' side of reservations: the visit list, a visit's page, the queue.

Every change goes through reservations.services, as on the public site, so it
is checked the same way, recorded as an event and mailed to the owner.
"""

import datetime
import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import TruncDate
from django.http import HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from pets.templatetags.pets_tags import pet_photo

from . import services
from .models import (
    REASON_MAX_LENGTH,
    ClinicSettings,
    OpeningHours,
    Reservation,
    ReservationEvent,
    State,
    Triage,
)
from .queue import WAITING_STATES, queue_places

# The most visits one drop can reorder: far above a day's band, far below abuse.
REORDER_MAX_VISITS = 200
REORDER_BAD_REQUEST_ERROR = _("The new order could not be read. Reload the page.")
REORDER_UNKNOWN_VISIT_ERROR = _(
    "Some of these visits no longer exist. Reload the page."
)
REORDER_WRONG_BAND_ERROR = _(
    "These visits are no longer all in this band. Reload the page."
)
# Bands that doctors put in order; untriaged visits wait to be triaged first.
ORDERED_BANDS = [Triage.EMERGENCY, Triage.STANDARD]


def refusal_message(error):
    """What a service's refusal says, as one line for an admin message."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or gettext("Only a doctor can make this change.")


def slot_time(visit):
    # Formatted here: the admin shows a read-only field's value as it is,
    # which for a datetime means UTC.
    return date_format(timezone.localtime(visit.slot.starts_at), "DATETIME_FORMAT")


def triage_badge(visit):
    return format_html(
        '<span class="triage-badge triage-{}">{}</span>',
        visit.triage,
        visit.get_triage_display(),
    )


def red_flags_marker(visit):
    if not visit.possible_emergency:
        return ""
    flags = [
        str(Reservation._meta.get_field(name).verbose_name)
        for name in ("breathing_trouble", "heavy_bleeding", "collapse_or_seizure")
        if getattr(visit, name)
    ]
    return format_html(
        '<span class="visit-flag" title="{}">{}</span>',
        ", ".join(flags),
        gettext("Possible emergency"),
    )


# --- list filters -----------------------------------------------------------------


class DefaultChoiceFilter(admin.SimpleListFilter):
    """A filter that applies its default choice while the URL names none.

    An absent parameter means the default, so "All" is a choice of its own
    ("all"), and choices() marks whichever choice applies as selected.
    """

    ALL = "all"

    def default(self):
        raise NotImplementedError

    def value(self):
        chosen = super().value()
        return chosen if chosen in dict(self.lookup_choices) else self.default()

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string(
                    {self.parameter_name: lookup}
                ),
                "display": title,
            }


class DayFilter(DefaultChoiceFilter):
    title = _("day")
    parameter_name = "day"

    def lookups(self, request, model_admin):
        return [
            ("today", _("Today")),
            ("tomorrow", _("Tomorrow")),
            ("past7", _("Past 7 days")),
            (self.ALL, _("All")),
        ]

    def default(self):
        # A search looks through every day unless a day is picked: a doctor
        # looking for a pet by name should not first have to undo "today".
        return self.ALL if self.request.GET.get(SEARCH_VAR) else "today"

    def queryset(self, request, queryset):
        today = timezone.localdate()
        match self.value():
            case "today":
                return queryset.on_day(today)
            case "tomorrow":
                return queryset.on_day(today + datetime.timedelta(days=1))
            case "past7":  # today and the six days before
                return queryset.filter(
                    slot__starts_at__date__range=(
                        today - datetime.timedelta(days=6),
                        today,
                    )
                )
        return queryset


class ProgressFilter(DefaultChoiceFilter):
    title = _("progress")
    parameter_name = "progress"

    def lookups(self, request, model_admin):
        return [
            ("ongoing", _("Ongoing")),
            ("closed", _("Finished or cancelled")),
            (self.ALL, _("All")),
        ]

    def default(self):
        # A state picked in the state filter says what is wanted; "ongoing"
        # would hide finished and cancelled visits from it.
        return self.ALL if "state__exact" in self.request.GET else "ongoing"

    def queryset(self, request, queryset):
        if self.value() == "ongoing":
            return queryset.ongoing()
        if self.value() == "closed":
            return queryset.closed()
        return queryset


# --- forms ------------------------------------------------------------------------


class VisitDecisionForm(forms.ModelForm):
    """What a doctor decides on a visit's page; saved through the services."""

    set_triage = forms.ChoiceField(label=_("Triage"), choices=Triage.choices)
    move_to = forms.ChoiceField(label=_("Move to"), required=False)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_(
            "Sent to the owner with the change of state. Required to cancel: "
            "it is the reason."
        ),
    )

    class Meta:
        model = Reservation
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        visit = self.instance
        self.fields["set_triage"].initial = visit.triage
        allowed = services.TRANSITIONS.get(visit.state, ())
        self.fields["move_to"].choices = [("", _("— no change —"))] + [
            (state, label) for state, label in State.choices if state in allowed
        ]

    def clean(self):
        data = super().clean()
        if data.get("note") and not data.get("move_to"):
            self.add_error(
                "note",
                _("A note goes with a change of state: choose one, or clear the note."),
            )
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Each owner receives it by e-mail."),
        error_messages={
            "required": services.CANCEL_REASON_REQUIRED_ERROR,
            "max_length": _("Keep the reason to %(limit_value)d characters or fewer."),
        },
    )


class QuickTriageForm(forms.Form):
    visit = forms.ModelChoiceField(queryset=Reservation.objects.all())
    triage = forms.ChoiceField(choices=[(band, band.label) for band in ORDERED_BANDS])


# --- admins -----------------------------------------------------------------------


class EventInline(admin.TabularInline):
    """The visit's history: read-only, since events record what happened."""

    model = ReservationEvent
    fields = ["created_at", "actor", "kind", "from_label", "to_label", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("from"))
    def from_label(self, event):
        return event.from_label

    @admin.display(description=_("to"))
    def to_label(self, event):
        return event.to_label


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
    form = VisitDecisionForm
    list_display = [
        "thumbnail",
        "pet_name",
        "owner_link",
        "triage_column",
        "red_flags",
        "state",
        "slot_time",
        "place",
        "wait",
    ]
    list_display_links = ["thumbnail", "pet_name"]
    list_filter = [DayFilter, ProgressFilter, "state", "triage"]
    list_select_related = ["pet__owner", "slot"]
    # Facet counts would cost a query per filter choice.
    show_facets = admin.ShowFacets.NEVER
    search_fields = [
        "pet__name",
        "pet__owner__username",
        "pet__owner__display_name",
        "pet__owner__email",
        "pet__owner__phone",
    ]
    search_help_text = _("Pet name, owner's username or name, e-mail or phone.")
    readonly_fields = [
        "pet_link",
        "owner_link",
        "slot_time",
        "state",
        "triage_column",
        "place",
        "wait",
        "symptoms",
        "red_flags",
        "cancel_reason",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "pet_link",
                    "owner_link",
                    "slot_time",
                    "state",
                    "triage_column",
                    "place",
                    "wait",
                ]
            },
        ),
        (_("Symptoms"), {"fields": ["symptoms", "red_flags", "cancel_reason"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    # Shown only to those who may change the visit (see get_fieldsets).
    decision_fieldset = (_("Decision"), {"fields": ["set_triage", "move_to", "note"]})
    inlines = [EventInline]
    # The public visit page is the owner's alone: a doctor would get 404 there.
    view_on_site = False
    actions = ["triage_emergency", "triage_standard", "confirm", "advance", "cancel"]

    # --- permissions: customers book visits; nobody deletes one

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # A finished or cancelled visit is history: its page is read-only.
        return super().has_change_permission(request, obj) and (
            obj is None or obj.is_ongoing
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(self.fieldsets)
        if self.has_change_permission(request, obj):
            fieldsets.insert(-1, self.decision_fieldset)
        return fieldsets

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
        places = queue_places(changelist.result_list)
        for visit in changelist.result_list:  # the page's own cached rows
            visit.queue_place = places.get(visit.pk)
        return changelist

    @admin.display(description="")
    def thumbnail(self, visit):
        return render_to_string(
            "pets/includes/pet_photo.html", pet_photo(visit.pet, "sm")
        )

    @admin.display(description=_("pet"), ordering="pet__name")
    def pet_name(self, visit):
        return visit.pet.name

    @admin.display(description=_("pet"))
    def pet_link(self, visit):
        url = reverse("admin:pets_pet_change", args=[visit.pet_id])
        return format_html('<a href="{}">{}</a>', url, visit.pet.name)

    @admin.display(description=_("owner"), ordering="pet__owner__username")
    def owner_link(self, visit):
        owner = visit.pet.owner
        url = reverse("admin:accounts_user_change", args=[owner.pk])
        return format_html('<a href="{}">{}</a>', url, owner.name)

    @admin.display(description=_("triage"), ordering="triage")
    def triage_column(self, visit):
        return triage_badge(visit)

    @admin.display(description=_("red flags"))
    def red_flags(self, visit):
        return red_flags_marker(visit)

    @admin.display(description=_("slot"), ordering="slot__starts_at")
    def slot_time(self, visit):
        return slot_time(visit)

    @admin.display(description=_("place in queue"))
    def place(self, visit):
        place = self._queue_place(visit)
        return place.place if place else None

    @admin.display(description=_("estimated wait"))
    def wait(self, visit):
        place = self._queue_place(visit)
        if place is None:
            return None
        return gettext("about %(minutes)d min") % {"minutes": place.wait_minutes}

    @staticmethod
    def _queue_place(visit):
        # The list sets it for the whole page; a visit's own page asks here.
        if not hasattr(visit, "queue_place"):
            visit.queue_place = queue_places([visit]).get(visit.pk)
        return visit.queue_place

    # --- a visit's page: the decision goes through the services

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            # Both or neither: a refused move also undoes a triage made with it.
            with transaction.atomic():
                if data["set_triage"] != obj.triage:
                    services.reservation_triage(
                        reservation=obj, triage=data["set_triage"], by=request.user
                    )
                if data["move_to"]:
                    services.reservation_transition(
                        reservation=obj,
                        to_state=data["move_to"],
                        by=request.user,
                        note=data["note"],
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

    # --- actions: each visit on its own, refusals reported one by one

    def _apply(self, request, queryset, change):
        done = 0
        for visit in queryset.select_related("pet", "slot"):
            try:
                change(visit)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(
                    request, f"{visit}: {refusal_message(error)}", messages.ERROR
                )
            else:
                done += 1
        return done

    def _report(self, request, message, count):
        if count:
            self.message_user(request, message % {"count": count}, messages.SUCCESS)

    def _triage(self, request, queryset, band):
        return self._apply(
            request,
            queryset,
            lambda visit: services.reservation_triage(
                reservation=visit, triage=band, by=request.user
            ),
        )

    @admin.action(description=_("Triage as emergency"), permissions=["change"])
    def triage_emergency(self, request, queryset):
        count = self._triage(request, queryset, Triage.EMERGENCY)
        message = ngettext(
            "%(count)d visit triaged as emergency.",
            "%(count)d visits triaged as emergency.",
            count,
        )
        self._report(request, message, count)

    @admin.action(description=_("Triage as standard"), permissions=["change"])
    def triage_standard(self, request, queryset):
        count = self._triage(request, queryset, Triage.STANDARD)
        message = ngettext(
            "%(count)d visit triaged as standard.",
            "%(count)d visits triaged as standard.",
            count,
        )
        self._report(request, message, count)

    @admin.action(description=_("Confirm"), permissions=["change"])
    def confirm(self, request, queryset):
        count = self._apply(
            request,
            queryset,
            lambda visit: services.reservation_transition(
                reservation=visit, to_state=State.CONFIRMED, by=request.user
            ),
        )
        message = ngettext(
            "%(count)d visit confirmed.", "%(count)d visits confirmed.", count
        )
        self._report(request, message, count)

    @admin.action(description=_("Advance one step"), permissions=["change"])
    def advance(self, request, queryset):
        count = self._apply(
            request,
            queryset,
            lambda visit: services.reservation_advance(
                reservation=visit, by=request.user
            ),
        )
        message = ngettext(
            "%(count)d visit moved one step forward.",
            "%(count)d visits moved one step forward.",
            count,
        )
        self._report(request, message, count)

    @admin.action(description=_("Cancel with a reason"), permissions=["change"])
    def cancel(self, request, queryset):
        # First a page asking for the reason; it posts back here with "confirm".
        form = CancelForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            count = self._apply(
                request,
                queryset,
                lambda visit: services.reservation_transition(
                    reservation=visit,
                    to_state=State.CANCELLED,
                    by=request.user,
                    note=reason,
                ),
            )
            message = ngettext(
                "%(count)d visit cancelled.", "%(count)d visits cancelled.", count
            )
            self._report(request, message, count)
            return None  # back to the list
        context = {
            **self.admin_site.each_context(request),
            "title": _("Cancel visits"),
            "opts": self.opts,
            "visits": queryset.select_related("pet__owner", "slot"),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/reservations/reservation/cancel_selected.html", context
        )

    # --- today's queue

    def get_urls(self):
        view = self.admin_site.admin_view
        # Before the stock URLs, whose "<object_id>/" would take "queue/".
        return [
            path("queue/", view(self.queue_view), name="reservations_queue"),
            path(
                "queue/reorder/",
                view(require_POST(self.queue_reorder_view)),
                name="reservations_queue_reorder",
            ),
            path(
                "queue/triage/",
                view(require_POST(self.queue_triage_view)),
                name="reservations_queue_triage",
            ),
            *super().get_urls(),
        ]

    def queue_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        day, today = _queue_day(request.GET), timezone.localdate()
        visits = list(
            Reservation.objects.ongoing()
            .on_day(day)
            .in_queue_order()
            .select_related("pet__owner", "slot")
        )
        places = queue_places(visits)
        bands = {band: [] for band in ORDERED_BANDS}
        to_triage, with_doctor = [], []
        for visit in visits:
            visit.queue_place = places.get(visit.pk)
            if visit.triage == Triage.UNTRIAGED:
                to_triage.append(visit)
            elif visit.state in WAITING_STATES:
                bands[visit.triage].append(visit)
            else:
                with_doctor.append(visit)
        context = {
            **self.admin_site.each_context(request),
            "title": (
                _("Today’s queue")
                if day == today
                else _("Queue for %(day)s") % {"day": date_format(day)}
            ),
            "day": day,
            "is_today": day == today,
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
            "opts": self.opts,
            "bands": [(band, band.label, bands[band]) for band in ORDERED_BANDS],
            "to_triage": to_triage,
            "with_doctor": with_doctor,
            "ordered_bands": ORDERED_BANDS,
        }
        return TemplateResponse(
            request, "admin/reservations/reservation/queue.html", context
        )

    def queue_reorder_view(self, request):
        """POST {"band": "...", "order": [ids]}: answer {"ok": true} or 400."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        band, order = _read_reorder(request.body)
        if order is None:
            return _reorder_error(REORDER_BAD_REQUEST_ERROR)
        visits = Reservation.objects.in_bulk(order)
        if len(visits) != len(order):
            return _reorder_error(REORDER_UNKNOWN_VISIT_ERROR)
        if any(visit.triage != band for visit in visits.values()):
            return _reorder_error(REORDER_WRONG_BAND_ERROR)
        try:
            services.queue_reorder(
                reservations=[visits[pk] for pk in order], by=request.user
            )
        except ValidationError as error:
            return _reorder_error(refusal_message(error))
        return JsonResponse({"ok": True})

    def queue_triage_view(self, request):
        """The queue page's quick triage buttons; without JavaScript too."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = QuickTriageForm(request.POST)
        if form.is_valid():
            visit = form.cleaned_data["visit"]
            band = Triage(form.cleaned_data["triage"])
            try:
                services.reservation_triage(
                    reservation=visit, triage=band, by=request.user
                )
            except (ValidationError, PermissionDenied) as error:
                self.message_user(
                    request, f"{visit}: {refusal_message(error)}", messages.ERROR
                )
            else:
                self.message_user(
                    request,
                    gettext("%(visit)s triaged as %(band)s.")
                    % {"visit": visit, "band": band.label},
                    messages.SUCCESS,
                )
        else:
            self.message_user(
                request, gettext("That visit could not be triaged."), messages.ERROR
            )
        back = reverse("admin:reservations_queue")
        day = _queue_day(request.POST)
        if day != timezone.localdate():
            back += f"?date={day.isoformat()}"
        return HttpResponseRedirect(back)


def _queue_day(data):
    """The day a queue page is about: ?date=YYYY-MM-DD, else today."""
    try:
        return datetime.date.fromisoformat(data.get("date", "")[:10])
    except ValueError:
        return timezone.localdate()


def _read_reorder(body):
    """(band, ids) from a reorder request, or (None, None) when it is not one."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None, None
    if not isinstance(payload, dict):
        return None, None
    band, order = payload.get("band"), payload.get("order")
    if (
        band not in ORDERED_BANDS
        or not isinstance(order, list)
        or not 0 < len(order) <= REORDER_MAX_VISITS
        # bool is an int to Python, never an id to us
        or not all(type(pk) is int for pk in order)
        or len(set(order)) != len(order)
    ):
        return None, None
    return band, order


def _reorder_error(message):
    return JsonResponse({"error": str(message)}, status=400)


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

    def save_model(self, request, obj, form, change):
        # Through the service, which also resizes future slots.
        services.clinic_settings_update(
            slot_minutes=form.cleaned_data["slot_minutes"],
            doctors_on_duty=form.cleaned_data["doctors_on_duty"],
            booking_horizon_days=form.cleaned_data["booking_horizon_days"],
        )


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
