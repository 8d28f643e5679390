"""Offering freed places to the waitlist (issue 16).

A place freed by a cancellation or a new time (common.release_place) is
offered to the first waiting owner whose pet, days and type match (a type of
n slots needs a place in the n slots from the freed one), and held for them
for OFFER_HOLD: the hold counts in the slots' `booked` like a visit, taken by
the same locked, conditional UPDATE as a booking (places.py), so the database
keeps anybody else from taking it. Concurrent releases offer their places to
different owners (the entries are locked, skipping locked ones). An offer not
taken in time is handed back and the place offered to the next owner
(waitlist_offers_expire, run every minute by the schedule).
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.notifications import notification_send
from accounts.unclaimed import may_email

from ..models import ClinicSettings, Slot
from ..notifications import WAITLIST_OFFER
from ..realtime import dashboard_changed
from ..slots import held_times, is_slot_time, slot_times, visit_end, visit_times
from ..states import ONGOING_STATES
from ..waitlist_models import OFFER_HOLD, WaitlistEntry
from .places import places_give_back, places_take

WAITLIST_REASON = "waitlist"  # what the dashboards hear changed

Waiting = WaitlistEntry.State


def give_back_and_offer(
    times: list[datetime.datetime], *, now: datetime.datetime | None = None
) -> None:
    """Give back a place in the slots at `times` (what a visit or a hold
    took: slots.held_times) and offer each to the waitlist. Call it inside
    the transaction that frees them, before it locks any slot row.

    The rows an offer may take (offer_reach) are locked with the freed ones,
    in one statement in time order, and an offer takes no other: an offer
    starting before the freed slot (9:30-10:30 for a freed 10:00) would
    otherwise lock 9:30 while holding 10:00, and deadlock with a booking
    holding 9:30 and waiting for 10:00. The freeing waits for such a booking
    instead, holding no slot, and then offers every place it freed: none is
    skipped for being busy.
    """
    now = now or timezone.now()
    rules = ClinicSettings.current()
    reach = offer_reach(times, rules=rules, now=now)
    freed = places_give_back(times, also=reach)
    within = {*times, *reach}
    for slot in freed:
        offer_place(slot, now=now, within=within)


def offer_reach(
    times: list[datetime.datetime], *, rules, now: datetime.datetime
) -> list[datetime.datetime]:
    """The other slots that offering the places at `times` may take: a visit
    of n slots covering a freed one starts up to n - 1 slots before it and
    ends up to n - 1 after, n the longest type anybody waits for. Only the
    day's slots that an offer can still start in."""
    longest = (
        _waiting().aggregate(longest=Max("visit_type__slot_units")).get("longest") or 1
    )
    earliest = now + OFFER_HOLD
    if longest == 1 or max(times) < earliest:
        return []
    span = (longest - 1) * datetime.timedelta(minutes=rules.slot_minutes)
    reach = []
    for day in sorted({timezone.localtime(start).date() for start in times}):
        reach += [
            start
            for start in slot_times(day, rules=rules)
            if start >= earliest
            and start not in times
            and any(abs(start - freed) <= span for freed in times)
        ]
    return reach


def _waiting():
    """Entries waiting for a place of a type owners may still book (one made
    desk-only or inactive since could not be taken: waitlist_take refuses),
    or of any active type when the staff put the owner on the list."""
    return WaitlistEntry.objects.filter(
        Q(visit_type__online=True) | Q(by_staff=True),
        state=Waiting.WAITING,
        visit_type__active=True,
    )


def offer_place(
    slot: Slot,
    *,
    now: datetime.datetime | None = None,
    within: set[datetime.datetime] | None = None,
):
    """Offer one place of `slot` (just freed) to the first matching waiting
    owner and hold it for them; the entry offered, or None. Call it inside
    the transaction that freed the place (give_back_and_offer: the offer
    takes only rows at `within`, locked already, when given)."""
    now = now or timezone.now()
    rules = ClinicSettings.current()
    # Time to read the e-mail and come: no offer of a place about to start.
    if slot.starts_at < now + OFFER_HOLD or not is_slot_time(
        slot.starts_at, rules=rules, now=now
    ):
        return None
    day = timezone.localtime(slot.starts_at).date()
    matching = (
        _waiting()
        .filter(
            first_day__lte=day,
            last_day__gte=day,
            pet__archived_at__isnull=True,
            owner__is_active=True,  # a deactivated account holds no place
        )
        # Let lapse once: not again. The last offer covered this slot (it may
        # have started before it: its second slot is the same place too).
        .exclude(
            offered_slot__starts_at__lte=slot.starts_at,
            offer_ends_at__gt=slot.starts_at,
        )
        .exclude(pet__reservations__state__in=ONGOING_STATES)
    )
    lengths = set(matching.order_by().values_list("visit_type__slot_units", flat=True))
    starts = {
        units: _fitting_start(slot, units, rules=rules, now=now, within=within)
        for units in lengths
    }
    fitting = [units for units, start in starts.items() if start is not None]
    if not fitting:
        return None
    entry = (
        matching.filter(visit_type__slot_units__in=fitting)
        .in_turn()
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("owner", "pet", "visit_type")
        .first()
    )
    if entry is None:
        return None
    units = entry.visit_type.slot_units
    try:
        held = places_take(starts[units], units, rules=rules)
    except ValidationError:
        return None  # taken meanwhile (its own savepoint: nothing counted)
    entry.state = Waiting.OFFERED
    entry.offered_slot = held
    entry.offered_places = units
    entry.offer_ends_at = visit_end(held.starts_at, units, rules=rules)
    entry.offer_expires_at = now + OFFER_HOLD
    entry.save(
        update_fields=[
            "state",
            "offered_slot",
            "offered_places",
            "offer_ends_at",
            "offer_expires_at",
        ]
    )
    _tell_owner(entry)
    dashboard_changed(reason=WAITLIST_REASON, day=day)
    return entry


def _fitting_start(slot, units, *, rules, now, within=None):
    """The start of a visit of `units` slots that covers the freed `slot`
    and has a place in each of its slots (a slot never booked has all its
    places), all of them at `within` when given: from `slot` itself, else as
    early as the slots before allow. None when no such visit fits."""
    length = datetime.timedelta(minutes=rules.slot_minutes)
    for back in range(units):
        start = slot.starts_at - back * length
        if start < now + OFFER_HOLD or not is_slot_time(
            start, rules=rules, now=now, units=units
        ):
            continue
        times = visit_times(start, units, rules=rules)
        if within is not None and not within.issuperset(times):
            continue
        rows = Slot.objects.filter(starts_at__in=times)
        if all(row.booked < row.capacity for row in rows):
            return start
    return None


def hold_times(entry: WaitlistEntry) -> list[datetime.datetime]:
    """The starts of the slots an entry's offer holds a place in."""
    return held_times(
        entry.offered_slot.starts_at,
        entry.offered_places,
        entry.offer_ends_at,
        rules=ClinicSettings.current(),
    )


def release_hold(entry: WaitlistEntry) -> list[Slot]:
    """Give back the places held for an entry's offer, offered to nobody
    (the owner takes them: waitlist_take); the slots, in time order (the
    first is the offer's start)."""
    return places_give_back(hold_times(entry))


def waitlist_offers_expire(*, now: datetime.datetime | None = None) -> int:
    """Hand back the offers not taken in time and offer each place to the
    next owner; the number handed back. The owner stays on the list."""
    now = now or timezone.now()
    lapsed = WaitlistEntry.objects.filter(
        state=Waiting.OFFERED, offer_expires_at__lte=now
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(lapsed):
        with transaction.atomic():
            entry = (
                WaitlistEntry.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("offered_slot")
                .filter(pk=pk, state=Waiting.OFFERED, offer_expires_at__lte=now)
                .first()
            )
            if entry is None:
                continue  # taken or left meanwhile
            entry.state = Waiting.WAITING
            entry.offer_expires_at = None
            entry.save(update_fields=["state", "offer_expires_at"])
            give_back_and_offer(hold_times(entry), now=now)
            count += 1
    return count


def _tell_owner(entry: WaitlistEntry) -> None:
    owner = entry.owner
    url = entry.get_absolute_url()
    starts = timezone.localtime(entry.offered_slot.starts_at)
    notification_send(
        recipient=owner,
        kind=WAITLIST_OFFER,
        url=url,
        pet=entry.pet.name,
        starts=starts.isoformat(),
    )
    if not may_email(owner):  # none, or an unclaimed walk-in's
        return
    with translation.override(owner.preferred_language):
        context = {
            "owner": owner,
            "entry": entry,
            "pet": entry.pet,
            "starts": starts,
            "expires": timezone.localtime(entry.offer_expires_at),
            "offer_url": settings.SITE_URL + url,
        }
        subject = render_to_string(
            "reservations/email/waitlist_offer_subject.txt", context
        )
        subject = f"[{gettext('Healing Paws')}] {' '.join(subject.split())}"
        body = render_to_string(
            "reservations/email/waitlist_offer_message.txt", context
        )
    EmailMessage(subject, body, to=[owner.email]).send()
