"""The owner's side of the waitlist: join, leave, take an offered place.
Offering places: waitlist_offers.py."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import is_hospital_staff
from pets.models import Pet

from ..models import ClinicSettings, Reservation, VisitType
from ..slots import bookable_days
from ..waitlist_models import WAITLIST_MAX_DAYS, WaitlistEntry
from .booking import PET_NOT_BOOKABLE_ERROR, check_visit_type, reservation_create
from .waitlist_offers import give_back_and_offer, hold_times, release_hold

WAITLIST_DAYS_ERROR = _(
    "Choose days from today to %(last)s, the first before the last, "
    "at most %(days)d days apart."
)
WAITLIST_ALREADY_ERROR = _("This pet is already on the waitlist.")
WAITLIST_FOR_NOT_ALLOWED_ERROR = _(
    "Only the hospital's staff can put a customer on the waitlist."
)
WAITLIST_OWNER_INACTIVE_ERROR = _(
    "This customer's account is deactivated: it cannot join the waitlist."
)
WAITLIST_OFFER_GONE_ERROR = _(
    "This offer is no longer open: it was taken or its time ran out. "
    "You stay on the waitlist for the next free place."
)

Waiting = WaitlistEntry.State


def waitlist_join(
    *,
    owner: User,
    pet: Pet,
    first_day: datetime.date,
    last_day: datetime.date,
    symptoms: str,
    visit_type: VisitType | None = None,
    by: User | None = None,
) -> WaitlistEntry:
    """Put the owner's pet on the waitlist for a place within the days, for
    a visit of `visit_type` (VisitType.default() when None; one owners may
    book online).

    `by` is who adds it when not the owner: the front desk or a doctor on
    the phone (any active type, as when booking for a customer; its offers
    then go out like any other). Nobody else may add one for another."""
    by_staff = by is not None and by.pk != owner.pk
    if by_staff and not is_hospital_staff(by):
        raise PermissionDenied(WAITLIST_FOR_NOT_ALLOWED_ERROR)
    if not owner.is_active:
        raise ValidationError(WAITLIST_OWNER_INACTIVE_ERROR, code="owner")
    if pet.owner_id != owner.pk or pet.is_archived:
        raise ValidationError(PET_NOT_BOOKABLE_ERROR, code="pet")
    visit_type = visit_type or VisitType.default()
    check_visit_type(visit_type, staff_booking=by_staff)
    first, last = bookable_days(rules=ClinicSettings.current())
    if not (
        first <= first_day <= last_day <= last
        and (last_day - first_day).days <= WAITLIST_MAX_DAYS
    ):
        raise ValidationError(
            WAITLIST_DAYS_ERROR,
            code="days",
            params={"last": last.isoformat(), "days": WAITLIST_MAX_DAYS},
        )
    entry = WaitlistEntry(
        owner=owner,
        pet=pet,
        visit_type=visit_type,
        first_day=first_day,
        last_day=last_day,
        symptoms=symptoms,
        by_staff=by_staff,
    )
    entry.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise ValidationError(WAITLIST_ALREADY_ERROR, code="already") from None
    return entry


def waitlist_leave(*, entry: WaitlistEntry, by: User) -> WaitlistEntry:
    """The owner leaves the list (or the hospital's staff take them off it,
    say on the phone); a place held for them goes to the next."""
    with transaction.atomic():
        entry = _locked(entry, by, staff_may=True)
        if entry.state not in WaitlistEntry.ACTIVE_STATES:
            return entry
        held = entry.state == Waiting.OFFERED
        entry.state = Waiting.LEFT
        entry.offer_expires_at = None
        entry.save(update_fields=["state", "offer_expires_at", "updated_at"])
        if held:
            give_back_and_offer(hold_times(entry))
    return entry


def waitlist_take(*, entry: WaitlistEntry, by: User) -> Reservation:
    """Book the place held for the owner, through the booking service (its
    rules hold: a pet booked meanwhile cannot take it). The hold becomes the
    visit in one transaction, so nobody can slip into the place between."""
    with transaction.atomic():
        entry = _locked(entry, by)
        if entry.state != Waiting.OFFERED or entry.offer_expires_at <= timezone.now():
            raise ValidationError(WAITLIST_OFFER_GONE_ERROR, code="offer_gone")
        # The slots' rows stay locked until the commit.
        slot = release_hold(entry)[0]
        visit = reservation_create(
            owner=by,
            pet=entry.pet,
            starts_at=slot.starts_at,
            symptoms=entry.symptoms,
            visit_type=entry.visit_type,
            type_agreed=entry.by_staff,
        )
        entry.state = Waiting.BOOKED
        entry.reservation = visit
        entry.offer_expires_at = None
        entry.save(
            update_fields=["state", "reservation", "offer_expires_at", "updated_at"]
        )
    return visit


def _locked(entry, by, *, staff_may=False):
    fresh = (
        WaitlistEntry.objects.select_for_update(of=("self",))
        .select_related("pet", "owner")
        .get(pk=entry.pk)
    )
    if fresh.owner_id != by.pk and not (staff_may and is_hospital_staff(by)):
        raise PermissionDenied
    return fresh
