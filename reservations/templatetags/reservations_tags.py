import dataclasses
import datetime
import functools
import re

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext

from pets.templatetags.pets_tags import pet_photo
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


@dataclasses.dataclass(frozen=True)
class VisitRow:
    """What a row of My visits shows, as plain values (see visit_row)."""

    pk: int
    state: str
    triage: str | None  # only while ongoing and triaged
    come_in_now: bool
    pet_name: str
    photo: SafeString
    starts_at: datetime.datetime
    visit_type: str
    place: int | None  # in the queue, while waiting


@register.simple_tag
def visit_row(visit, place=None):
    """One visit of the owner's lists (My visits): a link to it with the pet,
    the badges, the time, the type and, while waiting, the place in the queue.

    Each row is rendered once and kept (issue 14): the page lists forty, as
    an included template each they were over a third of its time, and most
    look the same from one load to the next. The template reads nothing but
    the row's values, which with the language and the time zone are the key:
    a row kept is the row they make."""
    row = VisitRow(
        pk=visit.pk,
        state=visit.state,
        triage=visit.triage if visit.is_ongoing and visit.is_triaged else None,
        come_in_now=visit.come_in_now,
        pet_name=visit.pet.name,
        photo=pet_photo(visit.pet, "sm"),
        starts_at=visit.slot.starts_at,
        visit_type=visit.visit_type.label,
        place=place.place if place else None,
    )
    return _visit_row(get_language(), timezone.get_current_timezone_name(), row)


@functools.lru_cache(maxsize=4096)
def _visit_row(_language, _zone, row):
    return render_to_string("reservations/includes/visit_row.html", {"row": row})
