"""Which times can be booked: opening hours cut into slots, minus full ones."""

import datetime
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from .models import ClinicSettings, OpeningHours, Slot


@dataclass(frozen=True)
class FreeSlot:
    starts_at: datetime.datetime
    places_left: int


# Days the site reads from a URL: far wider than anybody books or looks back,
# narrow enough that a day before or after is still a date.
EARLIEST_DAY = datetime.date(2000, 1, 1)
LATEST_DAY = datetime.date(2999, 12, 31)
# The same for a moment: converting 9999-12-31T23:59:59+00:00 (or year 1 at
# +14:00) to local time overflows, so such a time is refused before.
EARLIEST_MOMENT = datetime.datetime.combine(
    EARLIEST_DAY, datetime.time.min, datetime.UTC
)
LATEST_MOMENT = datetime.datetime.combine(LATEST_DAY, datetime.time.max, datetime.UTC)


def is_within_calendar(moment: datetime.datetime) -> bool:
    """Whether an aware datetime can be converted to any time zone.

    Comparing aware datetimes converts neither, so this cannot overflow.
    """
    return EARLIEST_MOMENT <= moment <= LATEST_MOMENT


def parse_day(value) -> datetime.date | None:
    """A YYYY-MM-DD day from user input, or None when it is not one."""
    try:
        day = datetime.date.fromisoformat((value or "")[:10])
    except ValueError:
        return None
    return day if EARLIEST_DAY <= day <= LATEST_DAY else None


def opening_hours() -> dict[int, OpeningHours]:
    """The week's hours by weekday, read once for a page that needs many days."""
    return {hours.weekday: hours for hours in OpeningHours.objects.all()}


def slot_times(
    day: datetime.date, *, rules=None, hours=None
) -> list[datetime.datetime]:
    """Every slot start of a day, in the hospital's time zone; none when closed.

    `rules` and `hours` (from opening_hours()) save reading them again.
    """
    rules = rules or ClinicSettings.current()
    if hours is None:
        hours = OpeningHours.objects.filter(weekday=day.weekday()).first()
    else:
        hours = hours.get(day.weekday())
    if hours is None or hours.is_closed:
        return []
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, hours.opens, tzinfo=zone)
    end = datetime.datetime.combine(day, hours.closes, tzinfo=zone)
    length = datetime.timedelta(minutes=rules.slot_minutes)
    times = []
    while start + length <= end:
        times.append(start)
        start += length
    return times


def bookable_days(*, rules=None, today=None) -> tuple[datetime.date, datetime.date]:
    rules = rules or ClinicSettings.current()
    today = today or timezone.localdate()
    return today, today + datetime.timedelta(days=rules.booking_horizon_days)


def free_slots(
    day: datetime.date, *, now=None, rules=None, hours=None, units: int = 1
) -> list[FreeSlot]:
    """The starts of a day that can still be booked for a visit of `units`
    slots: future, open, and a free place in each of the `units` consecutive
    slots from there (before closing). `places_left` is the fewest of them."""
    rules = rules or ClinicSettings.current()
    now = now or timezone.now()
    first, last = bookable_days(rules=rules, today=timezone.localdate(now))
    if not first <= day <= last:
        return []
    times = slot_times(day, rules=rules, hours=hours)
    taken = {slot.starts_at: slot for slot in Slot.objects.filter(starts_at__in=times)}
    left = []
    for start in times:
        slot = taken.get(start)
        capacity = slot.capacity if slot else rules.doctors_on_duty
        left.append(capacity - (slot.booked if slot else 0))
    free = []
    for index, start in enumerate(times[: len(times) - units + 1]):
        fewest = min(left[index : index + units])
        if start > now and fewest > 0:
            free.append(FreeSlot(start, fewest))
    return free


def is_slot_time(
    starts_at: datetime.datetime, *, rules, now=None, units: int = 1
) -> bool:
    """A slot start of an open day, in the future, within the booking horizon,
    with `units` slots from there before closing.

    Whether it still has room is for the booking itself to find out.
    """
    now = now or timezone.now()
    if not is_within_calendar(starts_at):
        return False
    day = timezone.localtime(starts_at).date()
    first, last = bookable_days(rules=rules, today=timezone.localdate(now))
    if not (starts_at > now and first <= day <= last):
        return False
    times = slot_times(day, rules=rules)
    return starts_at in times and times.index(starts_at) + units <= len(times)


def visit_times(
    starts_at: datetime.datetime, units: int, *, rules
) -> list[datetime.datetime]:
    """The starts of the `units` consecutive slots a visit from `starts_at`
    takes a place in (slots follow each other without gaps within a day)."""
    length = datetime.timedelta(minutes=rules.slot_minutes)
    return [starts_at + index * length for index in range(units)]


def visit_end(starts_at: datetime.datetime, units: int, *, rules) -> datetime.datetime:
    """When a visit of `units` slots from `starts_at` ends (its last slot's end)."""
    return starts_at + units * datetime.timedelta(minutes=rules.slot_minutes)


def held_times(
    starts_at: datetime.datetime,
    units: int,
    ends_at: datetime.datetime | None,
    *,
    rules,
) -> list[datetime.datetime]:
    """The starts of the slots a visit (or a waitlist hold) of `units` slots
    from `starts_at` to `ends_at` counted a place in: slots as long as when it
    was booked, whatever the slot length is now. Exactly those, not every row
    between its start and end: opening hours moved by a quarter of an hour
    put rows of another visit in between. Without an end (a row written
    outside the services), slots of today's length.
    """
    if ends_at is None:
        return visit_times(starts_at, units, rules=rules)
    length = (ends_at - starts_at) / units
    return [starts_at + index * length for index in range(units)]


def first_free_day(
    *, now=None, rules=None, hours=None, units: int = 1
) -> datetime.date | None:
    """The first day, from today, with a time left to book for a visit of
    `units` slots; None when full.

    Three queries however far ahead it looks: the rules, the hours, and the
    full slots of the whole booking horizon.
    """
    rules = rules or ClinicSettings.current()
    hours = opening_hours() if hours is None else hours
    now = now or timezone.now()
    first, last = bookable_days(rules=rules, today=timezone.localdate(now))
    # From the first day's midnight to the one after the last, not
    # starts_at__date: a range the index answers, where SQLite would call
    # a date conversion for every slot ever made (a tenth of the booking
    # page on the bench's hospital, issue 14).
    full = set(
        Slot.objects.filter(
            starts_at__gte=_midnight(first),
            starts_at__lt=_midnight(last + datetime.timedelta(days=1)),
            booked__gte=F("capacity"),
        ).values_list("starts_at", flat=True)
    )
    day = first
    while day <= last:
        times = slot_times(day, rules=rules, hours=hours)
        for index in range(len(times) - units + 1):
            if times[index] > now and not full.intersection(
                times[index : index + units]
            ):
                return day
        day += datetime.timedelta(days=1)
    return None


def _midnight(day: datetime.date) -> datetime.datetime:
    """The start of a day in the hospital's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass(frozen=True)
class HoursGroup:
    """Consecutive weekdays with the same hours, as the home page lists them."""

    first: OpeningHours
    last: OpeningHours

    @property
    def is_closed(self):
        return self.first.is_closed


def opening_hours_groups() -> list[HoursGroup]:
    groups = []
    for day in OpeningHours.objects.all():
        previous = groups[-1] if groups else None
        if (
            previous
            and (previous.last.opens, previous.last.closes) == (day.opens, day.closes)
            and previous.last.weekday + 1 == day.weekday
        ):
            groups[-1] = HoursGroup(previous.first, day)
        else:
            groups.append(HoursGroup(day, day))
    return groups


def next_opening(*, now=None, hours=None) -> datetime.datetime | None:
    """When the hospital next opens: `now` itself while it is open, None when
    it is closed every day of the week."""
    now = timezone.localtime(now)
    hours = opening_hours() if hours is None else hours
    zone = timezone.get_current_timezone()
    for offset in range(8):  # today, then a week ahead: back to today's weekday
        day = now.date() + datetime.timedelta(days=offset)
        day_hours = hours.get(day.weekday())
        if day_hours is None or day_hours.is_closed:
            continue
        opens = datetime.datetime.combine(day, day_hours.opens, tzinfo=zone)
        closes = datetime.datetime.combine(day, day_hours.closes, tzinfo=zone)
        if now < closes:
            return max(opens, now)
    return None
