"""What the pets app's pages show of visits, registered with it by
ReservationsConfig.ready (pets never imports reservations): every visit on a
pet's timeline, and each pet's current visit on "My pets". The pet's admin
page has its visit history from admin/pet_history.py."""

from django.db.models import Prefetch

from pets.models import pet_list_prefetch_register
from pets.timeline import TimelineEntry, timeline_source_register

from .models import Reservation, ReservationEvent


def visit_entries(*, pet, viewer) -> list[TimelineEntry]:
    """Every visit of the pet, with its state changes (whoever may see the
    pet sees its visits)."""
    visits = pet.reservations.select_related("slot").prefetch_related(
        Prefetch("events", ReservationEvent.objects.select_related("actor"))
    )
    return [
        TimelineEntry(
            when=visit.slot.starts_at,
            kind="visit",
            visit=visit,
            events=list(visit.events.all()),
        )
        for visit in visits
    ]


def current_visits() -> Prefetch:
    """Each pet's ongoing visit, into `current_visits` (0 or 1 item)."""
    return Prefetch(
        "reservations",
        queryset=Reservation.objects.ongoing().select_related("slot"),
        to_attr="current_visits",
    )


def register() -> None:
    timeline_source_register(visit_entries)
    pet_list_prefetch_register(current_visits)
