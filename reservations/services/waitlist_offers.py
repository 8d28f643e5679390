"""Offering freed places to the waitlist (issue 16).

A place freed by a cancellation or a new time (common.release_place) is
offered to the first waiting owner whose pet and days match, and held for them
for OFFER_HOLD: the hold counts in the slot's `booked` like a visit, raised by
the same conditional UPDATE as a booking, so the database keeps anybody else
from taking it. Concurrent releases offer their places to different owners
(the entries are locked, skipping locked ones). An offer not taken in time is
handed back and the place offered to the next owner (waitlist_offers_expire,
run every minute by the schedule).
"""

import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.notifications import notification_send

from ..models import ClinicSettings, Slot
from ..notifications import WAITLIST_OFFER
from ..realtime import dashboard_changed
from ..slots import is_slot_time
from ..states import ONGOING_STATES
from ..waitlist_models import OFFER_HOLD, WaitlistEntry

WAITLIST_REASON = "waitlist"  # what the dashboards hear changed

Waiting = WaitlistEntry.State


def offer_place(slot: Slot, *, now: datetime.datetime | None = None):
    """Offer one place of `slot` (just freed) to the first matching waiting
    owner and hold it for them; the entry offered, or None. Call it inside
    the transaction that freed the place."""
    now = now or timezone.now()
    # Time to read the e-mail and come: no offer of a place about to start.
    if slot.starts_at < now + OFFER_HOLD or not is_slot_time(
        slot.starts_at, rules=ClinicSettings.current(), now=now
    ):
        return None
    day = timezone.localtime(slot.starts_at).date()
    entry = (
        WaitlistEntry.objects.filter(
            state=Waiting.WAITING,
            first_day__lte=day,
            last_day__gte=day,
            pet__archived_at__isnull=True,
            owner__is_active=True,  # a deactivated account holds no place
        )
        .exclude(offered_slot=slot)  # let lapse once: not again
        .exclude(pet__reservations__state__in=ONGOING_STATES)
        .in_turn()
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("owner", "pet")
        .first()
    )
    if entry is None:
        return None
    held = Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(
        booked=F("booked") + 1
    )
    if not held:
        return None
    entry.state = Waiting.OFFERED
    entry.offered_slot = slot
    entry.offer_expires_at = now + OFFER_HOLD
    entry.save(update_fields=["state", "offered_slot", "offer_expires_at"])
    _tell_owner(entry)
    dashboard_changed(reason=WAITLIST_REASON, day=day)
    return entry


def release_hold(slot: Slot) -> None:
    Slot.objects.filter(pk=slot.pk, booked__gt=0).update(booked=F("booked") - 1)


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
                WaitlistEntry.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, state=Waiting.OFFERED, offer_expires_at__lte=now)
                .first()
            )
            if entry is None:
                continue  # taken or left meanwhile
            entry.state = Waiting.WAITING
            entry.offer_expires_at = None
            entry.save(update_fields=["state", "offer_expires_at"])
            slot = Slot.objects.get(pk=entry.offered_slot_id)
            release_hold(slot)
            offer_place(slot, now=now)
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
    if not owner.email:
        return
    with translation.override(owner.preferred_language):
        context = {
            "owner": owner,
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
