"""Columns, messages and inlines shared by the reservation pages (and the pet
admin)."""

import functools

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import get_language

from .. import services
from ..states import Triage


def refusal_message(error):
    """What a service's refusal says, as one line for an admin message."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or str(services.NOT_ALLOWED_ERROR)


def slot_time(visit):
    # Formatted here: the admin shows a read-only field's value as it is,
    # which for a datetime means UTC.
    return date_format(timezone.localtime(visit.slot.starts_at), "DATETIME_FORMAT")


def slot_cell(visit):
    """The slot in a list cell: the time, and the day and the type of visit
    below it in small."""
    local = timezone.localtime(visit.slot.starts_at)
    return format_html(
        '<span class="visit-slot">{}<small>{}</small><small>{}</small></span>',
        _formatted(local, "TIME_FORMAT", get_language()),
        _formatted(local.date(), "SHORT_DATE_FORMAT", get_language()),
        visit.visit_type.label,
    )


# A list shows the same few days, times and bands on every row: each is
# formatted once per language (issue 14: formatting was a fifth of the cells).
@functools.lru_cache(maxsize=4096)
def _formatted(value, format_name, language):
    return date_format(value, format_name)


def triage_badge(visit):
    return _triage_badge(str(visit.triage), get_language())


_TRIAGE_LABELS = dict(Triage.choices)


@functools.lru_cache(maxsize=64)
def _triage_badge(triage, language):
    return format_html(
        '<span class="triage-badge triage-{}">{}</span>',
        triage,
        _TRIAGE_LABELS.get(triage, triage),
    )


def red_flags_marker(visit):
    """Each red flag the owner answered yes to, by name (not in a tooltip)."""
    if not visit.possible_emergency:  # what the template draws then: nothing
        return ""
    return render_to_string(
        "admin/reservations/reservation/red_flags.html", {"visit": visit}
    )


class ReadOnlyTabularInline(admin.TabularInline):
    """Rows shown as they are: nothing added, changed or deleted here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
