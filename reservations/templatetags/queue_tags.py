"""The doctor dashboard's one-click queue buttons (admin queue page, Today panel)."""

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import get_template
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join

from core.admin_paging import change_url
from pets.templatetags.pets_tags import pet_photo
from reservations import states
from reservations.admin.queue import NEXT_STEP_LABELS, may_take_step

register = template.Library()


@register.simple_tag(takes_context=True)
def next_step(context, visit):
    """(state, label) of the button that moves `visit` one step on, or None
    when there is no next step or the user may not take it."""
    request = context.get("request")
    to_state = states.next_state(visit)
    if to_state is None or request is None:
        return None
    if not may_take_step(request.user, visit, to_state):
        return None
    return to_state, NEXT_STEP_LABELS[to_state]


# The row's parts the Today panel shares, drawn only where they show something.
WAIT_ATTRS = "admin/reservations/reservation/wait_attrs.html"
WAIT_FLAG = "admin/reservations/reservation/wait_flag.html"
RED_FLAGS = "admin/reservations/reservation/red_flags.html"
ALERT_MARKERS = "pets/record/alert_markers.html"


@register.simple_tag(takes_context=True)
def queue_row(
    context, visit, *, draggable=False, triage_column=False, triage_buttons=False
):
    """A row of the queue page, built here rather than by a template with five
    includes (issue 14: 40 rows of them were two thirds of the page's time).
    The markup is the template's as it was, but for the blank lines its empty
    includes left."""
    waits = getattr(visit, "wait_deadline", None) is not None
    place = visit.queue_place.place if visit.queue_place else None
    alerts = ""
    if context.get("show_alerts") and getattr(visit.pet, "active_alerts", None):
        alerts = _part(ALERT_MARKERS, visit)
    row = format_html(
        '<tr id="queue-visit-{}" data-id="{}" class="{}{}"{}{}>\n'
        '  <td class="queue-place" data-place-cell>{}</td>\n'
        "  <td>{}</td>\n"
        '  <td><a href="{}">{}</a>{}</td>\n'
        '  <td><a href="{}">{}</a></td>\n'
        "  <td>{}<br><small data-visit-type>{}</small></td>\n"
        "  <td>{}{}</td>\n"
        "  <td>{}</td>\n  ",
        visit.pk,
        visit.pk,
        "queue-draggable" if draggable else "",
        " wait-overdue" if getattr(visit, "overdue", False) else "",
        format_html(' data-place="{}"', "" if place is None else place)
        if draggable
        else "",
        _part(WAIT_ATTRS, visit) if waits else "",
        place or "–",
        pet_photo(visit.pet, "sm"),
        change_url("admin:reservations_reservation_change", visit.pk),
        visit.pet.name,
        alerts,
        change_url("admin:accounts_user_change", visit.pet.owner_id),
        visit.pet.owner.name,
        formats.time_format(
            timezone.template_localtime(visit.slot.starts_at), "TIME_FORMAT"
        ),
        visit.visit_type.label,
        visit.get_state_display(),
        _part(WAIT_FLAG, visit) if waits else "",
        _part(RED_FLAGS, visit) if visit.possible_emergency else "",
    )
    triage = ""
    if context.get("can_move") and triage_column:
        form = _triage_form(context, visit) if triage_buttons else ""
        triage = format_html("\n  <td>{}</td>\n  ", form)
    step = ""
    if context.get("can_step"):
        step = format_html("<td>{}</td>", next_step_form(context, visit))
    return format_html("{}{}\n  {}\n</tr>\n", row, triage, step)


def _part(name, visit):
    return get_template(name).render({"visit": visit, "pet": visit.pet})


def _csrf_input(context):
    return CsrfTokenNode().render(context)  # as {% csrf_token %} draws it


def _triage_form(context, visit):
    buttons = format_html_join(
        "",
        '<button type="submit" name="triage" value="{}" '
        'class="button triage-button triage-{}">{}</button>',
        ((band, band, band.label) for band in context.get("ordered_bands", ())),
    )
    return format_html(
        '\n    <form method="post" action="{}" class="queue-triage queue-action" '
        "data-queue-action>{}\n"
        '      <input type="hidden" name="visit" value="{}">\n'
        '      <input type="hidden" name="date" value="{}">\n'
        '      <input type="hidden" name="next" value="{}">\n'
        "      {}\n"
        "    </form>\n  ",
        reverse("admin:reservations_queue_triage"),
        _csrf_input(context),
        visit.pk,
        formats.date_format(context["day"], "Y-m-d"),
        context["request"].get_full_path(),
        buttons,
    )


@register.simple_tag(takes_context=True)
def next_step_form(context, visit):
    """The one-click form of next_step.html (which draws it with this)."""
    step = next_step(context, visit)
    if not step:
        return ""
    to_state, label = step
    return format_html(
        '<form method="post" action="{}" class="queue-action" data-queue-action>'
        "{}\n"
        '  <input type="hidden" name="visit" value="{}">\n'
        '  <input type="hidden" name="from_state" value="{}">\n'
        '  <input type="hidden" name="next" value="{}">\n'
        '  <button type="submit" class="button queue-next-step" '
        'data-next-state="{}">{}</button>\n'
        "</form>",
        reverse("admin:reservations_queue_advance"),
        _csrf_input(context),
        str(visit.pk),
        visit.state,
        context["request"].get_full_path(),
        to_state,
        label,
    )
