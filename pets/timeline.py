"""A pet's medical timeline: what happened to it, newest first.

Doctor's notes now; the reservations app adds visits and their state changes.
"""

import datetime
from dataclasses import dataclass

from accounts.models import User

from .models import Pet


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime.datetime
    kind: str
    text: str
    author: User | None = None
    internal: bool = False


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
    return sorted(entries, key=lambda entry: entry.when, reverse=True)
