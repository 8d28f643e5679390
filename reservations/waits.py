"""Maximum waits (issue 16): how long a checked-in visit of each band may wait
for a doctor before the dashboard turns it red and alerts the doctors, and the
typical wait the owner's visit page tells.

A wait runs from check-in (`checked_in_at`) until the treatment starts. A visit
not yet triaged waits under the emergency maximum if the owner answered a red
flag, under the standard one otherwise: nobody has said it can wait longer.
"""

import datetime
import logging
import statistics

from django.core.cache import cache
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from core.generations import cached_value
from core.page_parts import VISITS

from .models import MaxWait, Reservation, ReservationEvent
from .states import State, Triage, is_waiting

logger = logging.getLogger("healingpaws.reservations")

# The migration's rows, should they be missing (a flushed test database).
DEFAULT_MAX_WAITS = {
    Triage.EMERGENCY: datetime.timedelta(minutes=15),
    Triage.STANDARD: datetime.timedelta(minutes=60),
}
# The typical wait is a median of the last days' waits, told only when there
# are enough of them to mean something; otherwise the page gives the target.
TYPICAL_WAIT_DAYS = 30
TYPICAL_WAIT_MIN_VISITS = 5
# A month's median moves slowly: every visit page and the app's visit read it,
# from the shared cache for this long (issue 14: its query was a seventh of
# the visit page).
TYPICAL_WAIT_CACHE_SECONDS = 300


def max_waits() -> dict[str, datetime.timedelta]:
    """The maximum wait of each band: one query, then kept in the shared cache
    until a limit changes (a MaxWait written renews VISITS: signals.py)."""
    return cached_value("max-waits", [VISITS], _read_max_waits)


def _read_max_waits():
    limits = dict(DEFAULT_MAX_WAITS)
    limits.update({row.band: row.limit for row in MaxWait.objects.all()})
    return limits


def band_of(visit) -> str:
    """The band whose maximum applies to the visit."""
    if visit.triage != Triage.UNTRIAGED:
        return visit.triage
    return Triage.EMERGENCY if visit.possible_emergency else Triage.STANDARD


def mark_waits(visits, *, limits=None, now=None) -> None:
    """Set `wait_deadline` (None unless checked in and waiting), `overdue`,
    the band (`wait_band`; `wait_band_label` in the reader's words) and the
    minutes its maximum is, on each visit, for the Today panel, the queue
    page and the doctors' alerts."""
    limits = max_waits() if limits is None else limits
    now = now or timezone.now()
    for visit in visits:
        band = band_of(visit)
        deadline = None
        if visit.state == State.CHECKED_IN and visit.checked_in_at:
            deadline = visit.checked_in_at + limits[band]
        visit.wait_deadline = deadline
        visit.overdue = deadline is not None and deadline <= now
        visit.wait_band = band
        visit.wait_band_label = Triage(band).label
        visit.wait_limit_minutes = int(limits[band].total_seconds() // 60)


def typical_wait(band: str, *, now=None) -> datetime.timedelta | None:
    """The median time from check-in to treatment of the band's visits of
    the last TYPICAL_WAIT_DAYS days; None with fewer than
    TYPICAL_WAIT_MIN_VISITS of them. One query."""
    now = now or timezone.now()
    treated = ReservationEvent.objects.filter(
        reservation=OuterRef("pk"),
        kind=ReservationEvent.Kind.STATE,
        to_value=State.IN_TREATMENT,
    ).order_by("created_at")
    pairs = (
        Reservation.objects.filter(
            triage=band,
            checked_in_at__gte=now - datetime.timedelta(days=TYPICAL_WAIT_DAYS),
        )
        .annotate(treated_at=Subquery(treated.values("created_at")[:1]))
        .filter(treated_at__isnull=False)
        .values_list("checked_in_at", "treated_at")
    )
    waits = [max(treated - arrived, datetime.timedelta()) for arrived, treated in pairs]
    if len(waits) < TYPICAL_WAIT_MIN_VISITS:
        return None
    return statistics.median(waits)


def cached_typical_wait(band: str) -> datetime.timedelta | None:
    """typical_wait(band), kept in the shared cache for a few minutes; read
    afresh when the cache is away."""
    key = f"typical-wait:{band}"
    try:
        found = cache.get(key)
    except Exception:
        logger.warning("typical wait not read from the cache", exc_info=True)
        return typical_wait(band)
    if found is not None:
        return found[0]  # a tuple: None (too few visits) is a value too
    value = typical_wait(band)
    try:
        cache.set(key, (value,), TYPICAL_WAIT_CACHE_SECONDS)
    except Exception:
        logger.warning("typical wait not cached", exc_info=True)
    return value


def band_wait(visit) -> dict | None:
    """What the owner is told of their band's waits (the visit page and the
    API) once a doctor has triaged the visit and until the treatment starts:
    the median of the band's recent waits, or, with too few to tell, the
    hospital's target."""
    if visit.come_in_now or not (visit.is_triaged and is_waiting(visit)):
        return None
    return {
        "band": visit.get_triage_display(),
        "typical": cached_typical_wait(visit.triage),
        "target": max_waits()[visit.triage],
    }
