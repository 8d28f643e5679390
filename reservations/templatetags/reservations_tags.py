import re

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import gettext

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


# The badges are built in Python, not inclusion templates: the visit lists
# show them on every row, where a template per badge cost a tenth of the
# page's time (issue 14).
def _badge(colour, kind, value, label):
    return format_html(
        '<span class="badge text-bg-{}" data-{}="{}">{}</span>',
        colour,
        kind,
        value,
        label,
    )


def _label(choices, value):
    # What get_FOO_display() answers, without building the field's choices
    # into a new dict on every call.
    try:
        return choices(value).label
    except ValueError:
        return value


@register.simple_tag
def state_badge(reservation):
    colour = STATE_COLOURS.get(reservation.state, "secondary")
    return _badge(colour, "state", reservation.state, _label(State, reservation.state))


@register.simple_tag
def triage_badge(reservation):
    colour = TRIAGE_COLOURS.get(reservation.triage, "secondary")
    label = _label(Triage, reservation.triage)
    return _badge(colour, "triage", reservation.triage, label)


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


@register.simple_tag
def emergency_badge(reservation):
    """The owner's "Possible emergency" mark, while they are told to come in."""
    if not reservation.come_in_now:
        return ""
    return format_html(
        '<span class="badge text-bg-danger" data-possible-emergency>'
        '<i class="bi bi-exclamation-triangle-fill" aria-hidden="true"></i> {}</span>',
        gettext("Possible emergency"),
    )


@register.filter
def wait_minutes(duration):
    """A timedelta as whole minutes (rounded), for the waits the owner reads."""
    return round(duration.total_seconds() / 60)
