"""What the visit services share: the version token, the lock, the event
record, and places in slots and queues."""

import datetime
import hashlib
import json

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import (
    RED_FLAG_FIELDS,
    ClinicSettings,
    Reservation,
    ReservationEvent,
    Slot,
)
from ..notifications import owner_notify
from ..realtime import dashboard_changed
from ..slots import held_times
from ..webhooks import visit_event_emit
from .waitlist_offers import give_back_and_offer, offer_place

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
        Reservation.objects.select_for_update(of=("self",))
        .filter(pk=reservation.pk)
        # Not the default order (by the slot's time): the join would lock the
        # slot's row too, first of all, before the rows the services lock in
        # time order with it (places.py), and deadlock with a booking.
        .order_by()
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
    (waitlist_offers.give_back_and_offer)."""
    if reservation.walk_in:
        return
    give_back_and_offer(held_slots(reservation))


def held_slots(reservation, *, rules=None) -> list[datetime.datetime]:
    """The starts of the slots a visit took a place in, as long as they were
    when it was booked (slots.held_times)."""
    return held_times(
        reservation.slot.starts_at,
        reservation.places,
        reservation.ends_at,
        rules=rules or ClinicSettings.current(),
    )


def offer_freed(old_times, *, kept, within):
    """After a move: offer the slots of the old time (`old_times`) that the
    visit's new time (`kept`) does not cover; their rows and the others an
    offer may take (`within`) are locked already (places_take's `also`)."""
    for start in old_times:
        if start not in kept:
            slot = Slot.objects.filter(starts_at=start).first()
            if slot is not None:
                offer_place(slot, within=within)


def local_day(moment):
    return timezone.localtime(moment).date()


def next_queue_position(day):
    last = Reservation.objects.on_day(day).aggregate(last=Max("queue_position"))
    return (last["last"] or 0) + 1
