"""The record on the pet's timeline: doses given, weighings, prescriptions
started and documents attached, beside the visits and the doctors' notes.

Read only for the timeline tab (the other tabs need pet_timeline only for the
current visit): three queries whatever the number of rows, the prescriptions
coming from the tab's list of active ones.
"""

import datetime

from django.utils import timezone

from ..timeline import TimelineEntry


def _moment(day: datetime.date, recorded_at: datetime.datetime) -> datetime.datetime:
    """Where a dated fact sits: when it was recorded, if on its own day (a
    dose given at a visit follows the visit); else the end of its day, after
    that day's visits."""
    if timezone.localdate(recorded_at) == day:
        return recorded_at
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


def record_entries(pet, *, is_owner: bool, prescriptions: list) -> list:
    """The record's entries the viewer may see: the owner only the documents
    shown to them, doctors every one (marked)."""
    entries = [
        TimelineEntry(
            when=_moment(dose.given_on, dose.created_at),
            kind="dose",
            author=dose.vet,
            day=dose.given_on,
            record=dose,
        )
        for dose in pet.care_doses.select_related("item", "vet")
    ]
    entries += [
        TimelineEntry(
            when=_moment(weight.weighed_on, weight.created_at),
            kind="weight",
            author=weight.recorded_by,
            day=weight.weighed_on,
            record=weight,
        )
        for weight in pet.weights.select_related("recorded_by")
    ]
    entries += [
        TimelineEntry(
            when=_moment(prescription.start_date, prescription.created_at),
            kind="prescription",
            author=prescription.vet,
            day=prescription.start_date,
            record=prescription,
        )
        for prescription in prescriptions
    ]
    documents = pet.documents.select_related("uploaded_by")
    if is_owner:
        documents = documents.visible_to_owner()
    entries += [
        TimelineEntry(
            when=document.created_at,
            kind="document",
            author=document.uploaded_by,
            internal=not document.visible_to_owner,
            record=document,
        )
        for document in documents
    ]
    return entries


def with_record(timeline: list, entries: list) -> list:
    """The timeline with the record's entries, newest first."""
    return sorted([*timeline, *entries], key=lambda entry: entry.when, reverse=True)
