"""The visit list's actions: each selected visit on its own, through the
services, refusals reported one by one; cancelling first asks for a reason."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.roles import is_doctor

from .. import services
from ..states import State, Triage
from .columns import refusal_message
from .forms import BulkCancelForm

# The hidden field of a list row carrying the visit's version (see
# VisitActionsMixin.action_checkbox).
LIST_VERSION_PREFIX = "seen-"


# What each action says of the visits it changed.
DONE_MESSAGES = {
    "triage_emergency": ngettext_lazy(
        "%(count)d visit triaged as emergency.",
        "%(count)d visits triaged as emergency.",
        "count",
    ),
    "triage_standard": ngettext_lazy(
        "%(count)d visit triaged as standard.",
        "%(count)d visits triaged as standard.",
        "count",
    ),
    "confirm": ngettext_lazy(
        "%(count)d visit confirmed.", "%(count)d visits confirmed.", "count"
    ),
    "no_show": ngettext_lazy(
        "%(count)d visit marked as a no-show.",
        "%(count)d visits marked as no-shows.",
        "count",
    ),
    "check_in": ngettext_lazy(
        "%(count)d visit checked in.", "%(count)d visits checked in.", "count"
    ),
    "advance": ngettext_lazy(
        "%(count)d visit moved one step forward.",
        "%(count)d visits moved one step forward.",
        "count",
    ),
    "cancel": ngettext_lazy(
        "%(count)d visit cancelled.", "%(count)d visits cancelled.", "count"
    ),
}


def visit_action(name, description, change):
    """The action `name`: `change(visit, by)` on each selected visit."""

    @admin.action(description=description, permissions=["change"])
    def action(model_admin, request, queryset):
        model_admin.apply_to_each(
            request,
            queryset,
            lambda visit: change(visit, request.user),
            DONE_MESSAGES[name],
        )

    return action


def triage_as(band):
    return lambda visit, by: services.reservation_triage(
        reservation=visit, triage=band, by=by
    )


def move_to(state):
    return lambda visit, by: services.reservation_transition(
        reservation=visit, to_state=state, by=by
    )


class VisitActionsMixin:
    """Added to ReservationAdmin: the actions of the visit list."""

    actions = [
        "triage_emergency",
        "triage_standard",
        "confirm",
        "check_in",
        "no_show",
        "advance",
        "cancel",
    ]
    # All the front desk is offered (services refuse the rest anyway).
    front_desk_actions = {"check_in", "no_show"}

    triage_emergency = visit_action(
        "triage_emergency", _("Triage as emergency"), triage_as(Triage.EMERGENCY)
    )
    triage_standard = visit_action(
        "triage_standard", _("Triage as standard"), triage_as(Triage.STANDARD)
    )
    confirm = visit_action("confirm", _("Confirm"), move_to(State.CONFIRMED))
    check_in = visit_action("check_in", _("Check in"), move_to(State.CHECKED_IN))
    no_show = visit_action("no_show", _("Mark as no-show"), move_to(State.NO_SHOW))
    advance = visit_action(
        "advance",
        _("Advance one step"),
        lambda visit, by: services.reservation_advance(reservation=visit, by=by),
    )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not is_doctor(request.user):
            actions = {
                name: action
                for name, action in actions.items()
                if name in self.front_desk_actions
            }
        return actions

    @admin.action(description=_("Cancel with a reason"), permissions=["change"])
    def cancel(self, request, queryset):
        # First a page asking for the reason; it posts back here with "confirm".
        form = BulkCancelForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            self.apply_to_each(
                request,
                queryset,
                lambda visit: services.reservation_transition(
                    reservation=visit,
                    to_state=State.CANCELLED,
                    by=request.user,
                    note=reason,
                ),
                DONE_MESSAGES["cancel"],
            )
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

    def action_checkbox(self, visit):
        # Each row says which version of its visit the list showed: an action
        # on a visit another doctor moved since (two "advance" from two old
        # lists would move it two steps) is refused, see apply_to_each.
        return format_html(
            '{}<input type="hidden" name="{}" value="{}">',
            super().action_checkbox(visit),
            f"{LIST_VERSION_PREFIX}{visit.pk}",
            services.reservation_version(visit),
        )

    def apply_to_each(self, request, queryset, change, done):
        """`change(visit)` on each visit; says `done` for those it changed
        (nothing when none was) and each refusal with its visit."""
        count = 0
        for visit in queryset.select_related("pet", "slot"):
            try:
                _check_listed_version(request, visit)
                change(visit)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(
                    request, f"{visit}: {refusal_message(error)}", messages.ERROR
                )
            else:
                count += 1
        if count:
            self.message_user(request, done % {"count": count}, messages.SUCCESS)
        return count


def _check_listed_version(request, visit):
    seen = request.POST.get(f"{LIST_VERSION_PREFIX}{visit.pk}")
    if seen and seen != services.reservation_version(visit):
        raise ValidationError(
            services.VISIT_CHANGED_ERROR,
            code="visit_changed",
            params={"state": visit.get_state_display()},
        )
