"""A pet's medical timeline: what happened to it, newest first.

The doctor's notes the viewer may see, and what higher apps add through a
registered source: reservations adds every visit, with its state changes
(reservations.pet_pages). pets imports none of them. The record's tab adds
the doses, weighings, prescriptions and documents (record.timeline_entries).
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from accounts.models import User

from .models import Pet


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime.datetime
    kind: str  # "note", the kind a source gives ("visit"), or the record's
    text: str = ""
    author: User | None = None
    internal: bool = False
    # A dated fact of the record ("dose", "weight", "prescription") has its
    # day; its row, and a document's, is `record`.
    day: datetime.date | None = None
    record: Any = None
    # A visit entry's visit and its events (reservations' models).
    visit: Any = None
    events: list = field(default_factory=list)


# A source gives its entries for a pet, as the viewer may see them.
TimelineSource = Callable[..., Iterable[TimelineEntry]]

_sources: list[TimelineSource] = []


def timeline_source_register(source: TimelineSource) -> None:
    """Add `source(pet=..., viewer=...)`'s entries to every pet's timeline."""
    if source not in _sources:
        _sources.append(source)


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
    for source in _sources:
        entries += source(pet=pet, viewer=viewer)
    return sorted(entries, key=lambda entry: entry.when, reverse=True)
