"""Doctors put a band of a day's queue in order."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import is_doctor

from ..models import Reservation
from ..realtime import dashboard_changed
from ..states import ONGOING_STATES
from .common import NOT_ALLOWED_ERROR, local_day

QUEUE_NOT_ONGOING_ERROR = _(
    "Only visits still in progress can be put in order. Reload the page."
)
QUEUE_MIXED_ERROR = _(
    "Visits can only be put in order within one band of one day. Reload the page."
)
QUEUE_REPEATED_ERROR = _("Each visit can have only one place in the queue.")
QUEUE_UNKNOWN_ERROR = _("Some of these visits no longer exist. Reload the page.")
# What a reorder tells the live dashboard (it is not a ReservationEvent).
QUEUE_REORDER_REASON = "reorder"


def queue_reorder(*, band: str, pks: list[int], by: User) -> None:
    """Give the visits `pks`, all of `band` on one day, places 1..n in order.

    The visits are read under lock, so a visit closed or triaged elsewhere
    since the doctor's page was drawn is refused rather than misplaced. A
    refusal changes nothing. Moves are not events: nothing happened to the
    visits themselves, and owners are not mailed for every drag; the other
    doctors' open queue pages still hear of it.
    """
    if not is_doctor(by):
        raise PermissionDenied(NOT_ALLOWED_ERROR)
    if len(set(pks)) != len(pks):
        raise ValidationError(QUEUE_REPEATED_ERROR, code="queue_repeated")
    if not pks:
        return
    with transaction.atomic():
        # Locked alone, then read: a lock taken through the join to the slot
        # loses a visit moved to another slot meanwhile (see common.locked).
        list(
            Reservation.objects.select_for_update()
            .filter(pk__in=pks)
            .order_by("pk")  # one order for every locker: no deadlock
            .values_list("pk", flat=True)
        )
        visits = list(
            Reservation.objects.filter(pk__in=pks).values_list(
                "state", "triage", "slot__starts_at"
            )
        )
        if len(visits) != len(pks):
            raise ValidationError(QUEUE_UNKNOWN_ERROR, code="queue_unknown")
        if any(state not in ONGOING_STATES for state, _triage, _start in visits):
            raise ValidationError(QUEUE_NOT_ONGOING_ERROR, code="queue_not_ongoing")
        days = {local_day(start) for _state, _triage, start in visits}
        if len(days) > 1 or any(triage != band for _s, triage, _d in visits):
            raise ValidationError(QUEUE_MIXED_ERROR, code="queue_mixed")
        # One UPDATE for the whole band: positions 1..n in the given order.
        Reservation.objects.filter(pk__in=pks).update(
            queue_position=Case(
                *(When(pk=pk, then=Value(place)) for place, pk in enumerate(pks, 1))
            ),
            updated_at=timezone.now(),
        )
        (day,) = days
        dashboard_changed(reason=QUEUE_REORDER_REASON, day=day)
