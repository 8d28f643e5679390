"""What the visit services share: the version token, the lock, the event
record, and places in slots and queues."""

import hashlib
import json

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import RED_FLAG_FIELDS, Reservation, ReservationEvent, Slot
from ..notifications import owner_notify
from ..realtime import dashboard_changed
from ..slots import visit_times
from ..webhooks import visit_event_emit
from .places import places_give_back
from .waitlist_offers import offer_place

NOT_EDITABLE_ERROR = _("This visit can no longer be changed.")
NOT_ALLOWED_ERROR = _("Only a doctor can make this change.")
VISIT_CHANGED_ERROR = _(
    "This visit changed meanwhile: it is now %(state)s. Here is the fresh page; "
    "check it and try again."
)


def reservation_version(reservation: Reservation) -> str:
    """A short token of what a page shows of a visit and a decision rests on:
    state, band, time, symptoms and red flags. Forms post it back, and the
    services refuse a change made on a page older than the visit (two doctors,
    two tabs, a double click). The queue order is left out: doctors reorder
    all day, and nobody decides on a visit by its place."""
    seen = [
        # str(): a freshly saved visit holds the choice enum, a read one str.
        str(reservation.state),
        str(reservation.triage),
        reservation.slot_id,
        reservation.symptoms,
        *(bool(getattr(reservation, name)) for name in RED_FLAG_FIELDS),
    ]
    return hashlib.sha256(json.dumps(seen).encode()).hexdigest()[:16]


def locked(reservation, *, version=None):
    """The visit, locked for this transaction, as it is now.

    The lock is taken on the visit's row alone, and the visit read again by
    primary key afterwards. Locked through a join to its slot, a visit moved
    to another slot by a concurrent transaction came back as no row at all
    (PostgreSQL re-checks the join against the old slot): DoesNotExist, a 500
    for the second click of a double click.
    """
    list(
        Reservation.objects.select_for_update()
        .filter(pk=reservation.pk)
        .values_list("pk", flat=True)
    )
    fresh = Reservation.objects.select_related("pet__owner", "slot").get(
        pk=reservation.pk
    )
    if version is not None and version != reservation_version(fresh):
        raise ValidationError(
            VISIT_CHANGED_ERROR,
            code="visit_changed",
            params={"state": fresh.get_state_display()},
        )
    return fresh


def record(reservation, kind, actor, *, old="", to="", note="", notify=True):
    event = ReservationEvent.objects.create(
        reservation=reservation,
        kind=kind,
        actor=actor,
        from_value=old,
        to_value=to,
        note=note,
    )
    if notify:
        owner_notify(event)
    # Every event changes what the doctors' queue and Today panel show.
    dashboard_changed(reason=kind, day=local_day(reservation.slot.starts_at))
    visit_event_emit(event)  # booked, state changed, triaged: webhooks
    return event


def release_place(reservation):
    """A visit gives back its place in each slot it took (a walk-in took
    none); the first matching owners on the waitlist are offered them
    (waitlist_offers.offer_place)."""
    if reservation.walk_in:
        return
    freed = places_give_back(reservation.slot, reservation.places)
    for slot in freed:
        offer_place(slot)


def offer_freed(old_slot, units, *, keep, rules):
    """After a move: offer the slots of the old time that the visit's new
    time (from `keep`, as long) does not cover."""
    kept = set(visit_times(keep.starts_at, units, rules=rules))
    for start in visit_times(old_slot.starts_at, units, rules=rules):
        if start not in kept:
            slot = Slot.objects.filter(starts_at=start).first()
            if slot is not None:
                offer_place(slot)


def local_day(moment):
    return timezone.localtime(moment).date()


def next_queue_position(day):
    last = Reservation.objects.on_day(day).aggregate(last=Max("queue_position"))
    return (last["last"] or 0) + 1
