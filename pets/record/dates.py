"""Calendar arithmetic for care intervals, which doctors count in months,
and the range of dates the record accepts."""

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later; the month's last day when it has fewer
    days (31 January + 1 month is 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


# The dates the record accepts. None before EARLIEST (no pet lives that long,
# and far dates would overflow the interval arithmetic) and, where a date may
# lie ahead (a next due date, a prescription's start), none beyond FURTHEST
# from today: a year 9999 is a typing slip, never a plan.
EARLIEST = datetime.date(1980, 1, 1)
FURTHEST_AHEAD_DAYS = {"next_due": 10 * 366, "planned": 366}

FUTURE_ERROR = _("This date is in the future.")
TOO_EARLY_ERROR = _("The record keeps no date before 1980.")
TOO_FAR_ERROR = _("This date is too far ahead.")


def record_date_error(day: datetime.date, *, ahead: str | None = None) -> str | None:
    """Why the record refuses `day`, or None. Without `ahead` the day must be
    today or before; with it ("next_due", "planned"), up to so far ahead."""
    if day < EARLIEST:
        return TOO_EARLY_ERROR
    today = timezone.localdate()
    if ahead is None:
        return FUTURE_ERROR if day > today else None
    furthest = today + datetime.timedelta(days=FURTHEST_AHEAD_DAYS[ahead])
    return TOO_FAR_ERROR if day > furthest else None


def check_record_dates(**days_by_field) -> None:
    """Raise a ValidationError naming every refused field; each keyword is
    a field's name with (day, ahead) or a day (not after today); None days
    are skipped."""
    errors = {}
    for field, value in days_by_field.items():
        day, ahead = value if isinstance(value, tuple) else (value, None)
        if day is not None and (error := record_date_error(day, ahead=ahead)):
            errors[field] = error
    if errors:
        raise ValidationError(errors)
