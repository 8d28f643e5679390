"""When the kept page parts that show visits (core/page_parts.py: My visits,
My pets' cards, a visit's page, the booking page) are drawn afresh: a visit
or an event of one written or deleted anywhere (a visit's place in the queue
moves with any other of its day), a slot (its places), the opening hours,
the clinic's rules, a visit type or a wait limit changed; an owner's, when a
waitlist entry of theirs changes. Their querysets' update() says it for the
rows it changes (core.page_parts.PagePartsQuerySet)."""

from django.db.models.signals import post_delete, post_save

from core.page_parts import VISITS, owners_changed, page_parts_changed

from .models import (
    ClinicSettings,
    OpeningHours,
    Reservation,
    ReservationEvent,
    Slot,
)
from .visit_types import VisitType
from .wait_models import MaxWait
from .waitlist_models import WaitlistEntry


def _visits_changed(sender, using=None, **kwargs):
    page_parts_changed(VISITS, using=using)


def _waitlist_changed(sender, instance, using=None, **kwargs):
    owners_changed(instance.owner_id, using=using)


def connect():
    for model in (
        Reservation,
        ReservationEvent,
        Slot,
        OpeningHours,
        ClinicSettings,
        VisitType,
        MaxWait,
    ):
        for signal in (post_save, post_delete):
            signal.connect(
                _visits_changed,
                sender=model,
                dispatch_uid=f"page-parts-{signal is post_save}-{model.__name__}",
            )
    for signal in (post_save, post_delete):
        signal.connect(
            _waitlist_changed,
            sender=WaitlistEntry,
            dispatch_uid=f"page-parts-{signal is post_save}-waitlist",
        )
