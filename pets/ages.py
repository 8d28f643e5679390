"""A pet's age as people say it: "3 years", "5 months", "2 weeks"."""

import datetime

from django.utils.translation import gettext, ngettext


def whole_months_between(start: datetime.date, end: datetime.date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    # A month counts once its day has come (the 31st counts on the last day).
    if end.day < start.day and not _is_last_day_of_month(end):
        months -= 1
    return months


def describe_age(birth_date: datetime.date | None, today: datetime.date) -> str:
    """Years from the first birthday, months before it, weeks before a month."""
    if birth_date is None:
        return ""
    if birth_date > today:
        return gettext("not born yet")
    months = whole_months_between(birth_date, today)
    if months >= 12:
        years = months // 12
        return ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
    if months >= 1:
        return ngettext("%(count)d month", "%(count)d months", months) % {
            "count": months
        }
    weeks = (today - birth_date).days // 7
    if weeks >= 1:
        return ngettext("%(count)d week", "%(count)d weeks", weeks) % {"count": weeks}
    return gettext("newborn")


def _is_last_day_of_month(day: datetime.date) -> bool:
    return (day + datetime.timedelta(days=1)).month != day.month
