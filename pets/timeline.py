"""A pet's medical timeline: what happened to it, newest first.

Every visit, with its state changes, and the doctor's notes the viewer may see.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch

from accounts.models import User
from reservations.models import Reservation, ReservationEvent

from .models import Pet


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime.datetime
    kind: str  # "note" or "visit"
    text: str = ""
    author: User | None = None
    internal: bool = False
    visit: Reservation | None = None
    events: list[ReservationEvent] = field(default_factory=list)


def pet_timeline(*, pet: Pet, viewer: User) -> list[TimelineEntry]:
    """Everything the viewer may see: internal notes only for doctors."""
    notes = pet.doctor_notes.visible_to(viewer).select_related("author")
    entries = [
        TimelineEntry(
            when=note.created_at,
            kind="note",
            text=note.text,
            author=note.author,
            internal=not note.visible_to_owner,
        )
        for note in notes
    ]
    visits = pet.reservations.select_related("slot").prefetch_related(
        Prefetch("events", ReservationEvent.objects.select_related("actor"))
    )
    entries += [
        TimelineEntry(
            when=visit.slot.starts_at,
            kind="visit",
            visit=visit,
            events=list(visit.events.all()),
        )
        for visit in visits
    ]
    return sorted(entries, key=lambda entry: entry.when, reverse=True)
