import re

from django import template
from django.conf import settings
from django.utils.html import format_html

from reservations.states import State, Triage

register = template.Library()

# Bootstrap colours: the triage bands as the doctors know them (PRODUCT.md
# section 4), states from waiting (grey/blue) through care to done.
TRIAGE_COLOURS = {
    Triage.EMERGENCY: "danger",
    Triage.STANDARD: "primary",
    Triage.UNTRIAGED: "secondary",
}
STATE_COLOURS = {
    State.REQUESTED: "secondary",
    State.CONFIRMED: "info",
    State.CHECKED_IN: "primary",
    State.IN_TREATMENT: "warning",
    State.READY_FOR_RELEASE: "success",
    State.FINISHED: "dark",
    State.CANCELLED: "light",
    State.NO_SHOW: "light",
}


@register.inclusion_tag("reservations/includes/badge.html")
def state_badge(reservation):
    return {
        "colour": STATE_COLOURS.get(reservation.state, "secondary"),
        "label": reservation.get_state_display(),
        "kind": "state",
        "value": reservation.state,
    }


@register.inclusion_tag("reservations/includes/badge.html")
def triage_badge(reservation):
    return {
        "colour": TRIAGE_COLOURS.get(reservation.triage, "secondary"),
        "label": reservation.get_triage_display(),
        "kind": "triage",
        "value": reservation.triage,
    }


@register.simple_tag
def hospital_phone(kind="main", *, link=True):
    """The hospital's number ("main" or "emergency", from the settings), as a
    tel: link, or as plain text for e-mails (link=False)."""
    number = (
        settings.HOSPITAL_EMERGENCY_PHONE
        if kind == "emergency"
        else settings.HOSPITAL_PHONE
    )
    if not link:
        return number
    dialled = re.sub(r"[^\d+]", "", number)
    return format_html('<a href="tel:{}" class="text-nowrap">{}</a>', dialled, number)


@register.inclusion_tag("reservations/includes/emergency_badge.html")
def emergency_badge(reservation):
    """The owner's "Possible emergency" mark, while they are told to come in."""
    return {"show": reservation.come_in_now}


@register.filter
def wait_minutes(duration):
    """A timedelta as whole minutes (rounded), for the waits the owner reads."""
    return round(duration.total_seconds() / 60)
