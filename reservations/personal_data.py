"""reservations' part of a customer's export and of an account's erasure
(accounts/personal_data.py), registered in ReservationsConfig.ready().

Export: every visit of the customer's pets with its events, as the visit
page shows them (who, when, the change and its note).

Also the customer's places on the waitlist.

Erasure: visits and their events are the medical record and stay, on the
anonymised owner's pets; visits not started yet (requested or confirmed)
are cancelled, so their places go back to other pets. Waitlist entries are
no record: they are left (a place held for the customer goes to the next)
and deleted.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from accounts.personal_data import Export, personal_data_register, when

from . import states
from .models import RED_FLAG_FIELDS, Reservation
from .services import reservation_transition, waitlist_leave
from .states import State
from .waitlist_models import WaitlistEntry


def _event(event, user):
    if event.actor_id is None:
        by = None
    elif event.actor_id == user.pk:
        by = gettext("You")
    else:
        by = event.actor.name
    return {
        "at": when(event.created_at),
        "what": event.kind,
        "by": by,
        "from": event.from_value,
        "to": event.to_value,
        "note": event.note_for_owner,  # not the desk's own
    }


def export(user) -> Export:
    visits = (
        Reservation.objects.for_owner(user)
        .select_related("pet", "slot", "visit_type")
        .prefetch_related("events__actor")
        .order_by("slot__starts_at", "pk")
    )
    data = [
        {
            "id": visit.pk,
            "pet": {"id": visit.pet_id, "name": visit.pet.name},
            "starts_at": when(visit.slot.starts_at),
            "visit_type": visit.visit_type.name,
            "slots": visit.places,
            "symptoms": visit.symptoms,
            "red_flags": {name: getattr(visit, name) for name in RED_FLAG_FIELDS},
            "state": visit.state,
            "triage": visit.triage,
            "cancel_reason": visit.cancel_reason,
            "walk_in": visit.walk_in,
            "checked_in_at": when(visit.checked_in_at),
            "booked_at": when(visit.created_at),
            "events": [_event(event, user) for event in visit.events.all()],
        }
        for visit in visits
    ]
    waitlist = [
        {
            "pet": {"id": entry.pet_id, "name": entry.pet.name},
            "first_day": entry.first_day.isoformat(),
            "last_day": entry.last_day.isoformat(),
            "visit_type": entry.visit_type.name,
            "reason": entry.symptoms,
            "state": entry.state,
            "joined_at": when(entry.created_at),
        }
        for entry in WaitlistEntry.objects.for_owner(user)
        .select_related("pet", "visit_type")
        .in_turn()
    ]
    return Export(data={"visits": data, "waitlist": waitlist})


def erase(user) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        reason = gettext("The owner closed their account.")
    for visit in Reservation.objects.for_owner(user).ongoing():
        if states.can_cancel(visit):
            reservation_transition(
                reservation=visit, to_state=State.CANCELLED, by=user, note=reason
            )
    entries = WaitlistEntry.objects.for_owner(user)
    for entry in entries.active():
        waitlist_leave(entry=entry, by=user)
    entries.delete()


def register() -> None:
    personal_data_register("visits", export=export, erase=erase)
