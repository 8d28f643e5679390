"""Reads of visits: the day's queue, who is waiting, in which order, and for
about how long.

A visit waits from booking until a doctor takes it into treatment: it is
`requested`, `confirmed` or `checked_in`. The queue of a day holds that day's
waiting visits in `in_queue_order()` (emergencies, then standard, then visits
not yet triaged, possible emergencies first among those; by place within each
band).

The estimated wait is the time the visits ahead of it take, shared among the
doctors on duty: (visits ahead // doctors on duty) × slot length. It is an
estimate for the owner, counted from the visit's turn coming round, and says
nothing about the booked time itself.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, Subquery
from django.utils import timezone

from accounts.models import User
from accounts.phones import with_phone
from core.generations import cached_value
from core.page_parts import VISITS
from pets.models import Pet
from pets.record.alerts import active_alerts_prefetch

from . import states
from .models import ClinicSettings, Reservation
from .states import ONGOING_STATES, WAITING_STATES, State, Triage
from .waits import mark_waits


@dataclass(frozen=True)
class QueuePlace:
    place: int  # 1 is next
    ahead: int
    wait: datetime.timedelta

    @property
    def wait_minutes(self) -> int:
        return int(self.wait.total_seconds() // 60)


def estimated_wait(ahead: int, *, rules) -> datetime.timedelta:
    return datetime.timedelta(
        minutes=(ahead // rules.doctors_on_duty) * rules.slot_minutes
    )


def queue_places(reservations, *, rules=None) -> dict[int, QueuePlace]:
    """Place and estimated wait of each given visit that is waiting, by pk.

    Reads each day's queue once (one query for all the days, the booking
    rules with it unless given), so a page of any length costs the same; and
    keeps what it read until a visit or the rules change (VISITS), so the
    pages that show places (the dashboard's visits, My visits) read it once
    for everybody.
    """
    days = {
        timezone.localdate(visit.slot.starts_at)
        for visit in reservations
        if states.is_waiting(visit)
    }
    if not days:
        return {}
    waiting, doctors, minutes = _waiting_on_days(days)
    if rules is None and waiting:
        if doctors is None:  # no rules saved yet: current() makes them
            rules = ClinicSettings.current()
        else:
            rules = ClinicSettings(pk=1, doctors_on_duty=doctors, slot_minutes=minutes)
    return _places(waiting, rules=rules) if waiting else {}


def _waiting_on_days(days) -> tuple[list, int | None, int | None]:
    """The waiting visits of `days` in queue order, as (pk, starts at), and
    the booking rules' doctors on duty and slot minutes (None if unsaved)."""
    key = "waiting-on-days:{}:{}".format(
        timezone.get_current_timezone_name(),
        ",".join(sorted(day.isoformat() for day in days)),
    )
    return cached_value(key, [VISITS], lambda: _read_waiting_on_days(days))


def _read_waiting_on_days(days):
    waiting = (
        Reservation.objects.waiting()
        .filter(slot__starts_at__date__in=days)
        .in_queue_order()
    )
    # The rules the waits need come with the queue: one query, not two.
    current = ClinicSettings.objects.filter(pk=1)  # the one row (current())
    rows = list(
        waiting.annotate(
            rules_doctors=Subquery(current.values("doctors_on_duty")[:1]),
            rules_minutes=Subquery(current.values("slot_minutes")[:1]),
        ).values_list("pk", "slot__starts_at", "rules_doctors", "rules_minutes")
    )
    if not rows:
        return [], None, None
    _pk, _starts_at, doctors, minutes = rows[0]
    return [row[:2] for row in rows], doctors, minutes


def day_queue_places(visits, *, rules=None) -> dict[int, QueuePlace]:
    """As queue_places, for `visits` that are a day's whole queue and more:
    all its ongoing visits in queue order (the queue page's). The waiting ones
    among them are that day's queue, in order: no query but the rules."""
    waiting = [
        (visit.pk, visit.slot.starts_at) for visit in visits if states.is_waiting(visit)
    ]
    if not waiting:
        return {}
    return _places(waiting, rules=rules or ClinicSettings.current())


def _places(waiting, *, rules) -> dict[int, QueuePlace]:
    """Places of waiting visits, (pk, starts at) in queue order, by pk."""
    places, ahead_by_day = {}, {}
    for pk, starts_at in waiting:
        day = timezone.localdate(starts_at)
        ahead = ahead_by_day.get(day, 0)
        places[pk] = QueuePlace(
            place=ahead + 1, ahead=ahead, wait=estimated_wait(ahead, rules=rules)
        )
        ahead_by_day[day] = ahead + 1
    return places


@dataclass(frozen=True)
class TodaySummary:
    queue: list[Reservation]  # the first waiting visits, each with .queue_place
    waiting: int
    counts: list[tuple[str, str, int]]  # (state, label, visits today), every state
    open_emergencies: int


def today_summary(*, limit: int = 10, with_alerts: bool = False) -> TodaySummary:
    """What the dashboard's Today panel shows: four queries, whatever the day holds
    (five `with_alerts`: each pet's active alerts, for doctors).

    Open emergencies are counted over every day: one booked for yesterday and
    still in treatment is as open as today's.
    """
    day = timezone.localdate()
    rules = ClinicSettings.current()
    today = Q(slot__starts_at__date=day)
    totals = Reservation.objects.aggregate(
        emergencies=Count(
            "pk", filter=Q(state__in=ONGOING_STATES, triage=Triage.EMERGENCY)
        ),
        **{state: Count("pk", filter=today & Q(state=state)) for state in State.values},
    )
    queue = Reservation.objects.waiting().filter(today).in_queue_order()
    queue = queue.select_related("pet", "slot")
    if with_alerts:
        queue = queue.prefetch_related(active_alerts_prefetch("pet__alerts"))
    queue = list(queue[:limit])
    # The queue is read in order from its head: a visit's place is its index.
    for ahead, visit in enumerate(queue):
        visit.queue_place = QueuePlace(
            place=ahead + 1, ahead=ahead, wait=estimated_wait(ahead, rules=rules)
        )
    mark_waits(queue)
    return TodaySummary(
        queue=queue,
        waiting=sum(totals[state] for state in WAITING_STATES),
        counts=[(state, label, totals[state]) for state, label in State.choices],
        open_emergencies=totals["emergencies"],
    )


# The most pets a walk-in search lists: the desk types more rather than scroll.
PET_SEARCH_LIMIT = 10
PET_SEARCH_MIN_LENGTH = 2


def walk_in_pet_search(term: str, *, limit: int = PET_SEARCH_LIMIT) -> list:
    """Active pets whose name, or whose owner's name, username, e-mail or
    phone (digits, however typed: accounts.phones) matches `term`; for the
    walk-in form. One query; nothing for a term too short to mean anything."""
    term = term.replace("\x00", "").strip()[:100]
    if len(term) < PET_SEARCH_MIN_LENGTH:
        return []
    owners = Q(
        *[
            Q(**{f"owner__{field}__icontains": term})
            for field in ("username", "display_name", "email", "phone")
        ],
        _connector=Q.OR,
    )
    by_phone = with_phone(User.objects.all(), term)
    if by_phone is not None:
        owners |= Q(owner__in=by_phone.values("pk"))
    return list(
        Pet.objects.active()
        .filter(Q(name__icontains=term) | owners)
        .select_related("owner")
        .order_by("name", "pk")[:limit]
    )
