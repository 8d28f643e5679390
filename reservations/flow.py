"""The flow report (issue 16): how long visits spend in each stage, per band
and per doctor, over a day or a range of days.

Stages, in minutes:
- wait: from check-in (Reservation.checked_in_at) to the start of treatment,
- treatment: from the start of treatment to "ready for release",
- release: from "ready for release" to the pickup (finished).
The doctor of a visit is whoever started its treatment. A stage counts only
for visits that went through both of its ends. The no-show rate is the
no-shows among the booked visits (not walk-ins) of the range that were not
cancelled: those whose owners were expected to come.

Two queries whatever the number of visits: the visits, and their state
events.
"""

import datetime
import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Reservation, ReservationEvent, VisitType, choice_label
from .states import State, Triage

STAGES = [
    ("wait", _("Check-in to treatment")),
    ("treatment", _("In treatment")),
    ("release", _("Ready to pickup")),
]
# The longest range one report reads.
MAX_RANGE_DAYS = 92


@dataclass
class StageFigures:
    count: int
    median: float | None
    p90: float | None


@dataclass
class FlowRow:
    group: str  # "band" or "doctor"
    label: str
    visits: int
    stages: dict  # stage key -> StageFigures


@dataclass
class FlowReport:
    first_day: datetime.date
    last_day: datetime.date
    visits: int
    expected: int
    no_shows: int
    rows: list
    # (type's name, visits not cancelled), the most frequent first.
    types: list = field(default_factory=list)

    @property
    def no_show_rate(self) -> float | None:
        return self.no_shows / self.expected if self.expected else None

    @property
    def no_show_percent(self) -> float | None:
        rate = self.no_show_rate
        return None if rate is None else round(rate * 100, 1)


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (0.9: the time 90% of visits stayed within)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def figures(values: list[float]) -> StageFigures:
    return StageFigures(
        count=len(values),
        median=statistics.median(values) if values else None,
        p90=percentile(values, 0.9),
    )


def flow_report(first_day: datetime.date, last_day: datetime.date) -> FlowReport:
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(first_day, datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(
        last_day + datetime.timedelta(days=1), datetime.time(), tzinfo=zone
    )
    in_range = {"slot__starts_at__gte": start, "slot__starts_at__lt": end}
    visits = list(
        Reservation.objects.filter(**in_range).values(
            "pk",
            "triage",
            "state",
            "walk_in",
            "checked_in_at",
            "visit_type__name",
            "visit_type__name_zh",
        )
    )
    moments = defaultdict(dict)  # visit -> state -> (when, actor's name)
    events = (
        ReservationEvent.objects.filter(
            kind=ReservationEvent.Kind.STATE,
            to_value__in=[State.IN_TREATMENT, State.READY_FOR_RELEASE, State.FINISHED],
            **{f"reservation__{key}": value for key, value in in_range.items()},
        )
        .order_by("created_at", "pk")
        .values_list(
            "reservation_id",
            "to_value",
            "created_at",
            "actor__display_name",
            "actor__username",
        )
    )
    for visit_id, to_value, when, name, username in events:
        # The last time a visit reached a state counts (a step taken again).
        moments[visit_id][to_value] = (when, name or username or "")
    by_band, by_doctor = defaultdict(list), defaultdict(list)
    for visit in visits:
        times = _stage_times(visit, moments.get(visit["pk"], {}))
        by_band[visit["triage"]].append(times)
        treated = moments.get(visit["pk"], {}).get(State.IN_TREATMENT)
        if treated:
            by_doctor[treated[1]].append(times)
    rows = [
        _row("band", str(choice_label(Triage, band)), by_band[band])
        for band in (Triage.EMERGENCY, Triage.STANDARD, Triage.UNTRIAGED)
        if by_band.get(band)
    ] + [_row("doctor", name, by_doctor[name]) for name in sorted(by_doctor)]
    booked = [v for v in visits if not v["walk_in"] and v["state"] != State.CANCELLED]
    return FlowReport(
        first_day=first_day,
        last_day=last_day,
        visits=len(visits),
        expected=len(booked),
        no_shows=sum(v["state"] == State.NO_SHOW for v in booked),
        rows=rows,
        types=_per_type(visits),
    )


def _per_type(visits):
    """Visits per type (walk-ins in, cancelled ones out), by the type's name
    in the page's language: read with the visits, no query of its own."""
    counts = Counter(
        VisitType(name=v["visit_type__name"], name_zh=v["visit_type__name_zh"]).label
        for v in visits
        if v["state"] != State.CANCELLED
    )
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _minutes(later, earlier):
    if later is None or earlier is None or later < earlier:
        return None
    return (later - earlier).total_seconds() / 60


def _stage_times(visit, moments):
    def at(state):
        return moments.get(state, (None,))[0]

    return {
        "wait": _minutes(at(State.IN_TREATMENT), visit["checked_in_at"]),
        "treatment": _minutes(at(State.READY_FOR_RELEASE), at(State.IN_TREATMENT)),
        "release": _minutes(at(State.FINISHED), at(State.READY_FOR_RELEASE)),
    }


def _row(group, label, visit_times):
    return FlowRow(
        group=group,
        label=label,
        visits=len(visit_times),
        stages={
            key: figures([t[key] for t in visit_times if t[key] is not None])
            for key, _label in STAGES
        },
    )
