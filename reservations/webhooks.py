"""The visits' webhook events (core/webhooks.py): every visit event
(services.common.record) that is a booking, a change of state or a triage is
sent to the endpoints subscribed to it, in the change's transaction.

The payload names the visit, its pet and its state, not the owner's words
(symptoms): a receiver with a key that may read visits fetches the rest from
/api/v1/integration/visits/<id>/.
"""

from core.webhooks import webhook_emit

from .models import ReservationEvent

EVENTS = {
    ReservationEvent.Kind.CREATED: "visit.created",
    ReservationEvent.Kind.STATE: "visit.state_changed",
    ReservationEvent.Kind.TRIAGE: "visit.triaged",
}


def visit_payload(visit) -> dict:
    return {
        "id": visit.pk,
        "pet": {"id": visit.pet_id, "name": visit.pet.name},
        "owner_id": visit.pet.owner_id,
        "starts_at": visit.slot.starts_at,
        "state": str(visit.state),
        "triage": str(visit.triage),
        "walk_in": visit.walk_in,
    }


def visit_event_emit(event: ReservationEvent) -> None:
    name = EVENTS.get(event.kind)
    if name is None:
        return
    webhook_emit(
        event=name,
        payload={
            "visit": visit_payload(event.reservation),
            "change": {
                "from": event.from_value,
                "to": event.to_value,
                "note": event.note,
                "actor_id": event.actor_id,
                "at": event.created_at,
            },
        },
    )
