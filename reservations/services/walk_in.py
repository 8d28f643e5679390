"""A pet that arrives without a booking: the desk registers it in one go.

A walk-in enters today's queue as `checked_in` (PRODUCT.md section 5), in the
band the desk sorted it into; an emergency goes to the top of its band. It is
never refused for a full slot: it holds no bookable place (booked owners keep
theirs), and it counts in the day's figures, queue and waits like any visit.
The slot it is attached to only says when it arrived: the slot of the opening
hours it arrived in, or, outside them, the minute it arrived.

The desk's band is the first sorting of an arrival, so that an emergency never
waits behind the standard queue; doctors triage again as they see fit.
"""

import contextlib
import datetime
import secrets

from allauth.account.models import EmailAddress
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.claim_codes import claim_code_issue
from accounts.models import User
from accounts.roles import is_hospital_staff
from accounts.unclaimed import claim_invitation_send
from pets.models import Pet
from pets.services import pet_create

from ..models import (
    ClinicSettings,
    Reservation,
    ReservationEvent,
    Slot,
    VisitType,
)
from ..slots import slot_times
from ..states import ORDERED_BANDS, State, Triage
from .booking import _save_new
from .common import NOT_ALLOWED_ERROR, local_day, next_queue_position, record

WALK_IN_PET_BUSY_ERROR = _(
    "This pet already has a visit in progress: check that visit in instead."
)
WALK_IN_EMAIL_TAKEN_ERROR = _(
    "An account already uses this e-mail address: choose that customer instead."
)
WALK_IN_EMAIL_UNCONFIRMED_ERROR = _(
    "An account that has not confirmed this e-mail address uses it: register "
    "the customer without an e-mail address; they can add theirs later."
)
WALK_IN_BAND_ERROR = _("Choose emergency or standard.")
WALK_IN_WHO_ERROR = _(
    "Choose an existing customer's pet, or give the new customer's name and "
    "phone and the new pet's name and species."
)


def walk_in_register(
    *,
    by: User,
    reason: str,
    triage: str,
    pet: Pet | None = None,
    customer_name: str = "",
    customer_phone: str = "",
    customer_email: str = "",
    pet_name: str = "",
    pet_species: str = "",
    customer_language: str = "",
    visit_type: VisitType | None = None,
) -> Reservation:
    """Register a walk-in: an existing `pet`, or a new customer and pet.

    A new customer gets an account without a usable password; with an
    e-mail address they are invited to claim it (accounts/unclaimed.py),
    which also verifies the address: until then no e-mail about the pet
    goes there (the desk may have mistyped it). Claiming takes the claim
    code returned (once, never stored) as `visit.new_claim_code`, for the
    desk to hand to the customer; "" when no account was made to claim.
    """
    if not is_hospital_staff(by):
        raise PermissionDenied(NOT_ALLOWED_ERROR)
    if triage not in ORDERED_BANDS:
        raise ValidationError(WALK_IN_BAND_ERROR, code="band")
    claim_code = ""
    with transaction.atomic():
        if pet is None:
            pet, claim_code = _new_customer_and_pet(
                name=customer_name,
                phone=customer_phone,
                email=customer_email,
                pet_name=pet_name,
                pet_species=pet_species,
                language=customer_language,
            )
        if pet.is_archived or Reservation.objects.ongoing().filter(pet=pet).exists():
            raise ValidationError(WALK_IN_PET_BUSY_ERROR, code="ongoing")
        now = timezone.now()
        day = local_day(now)
        visit = Reservation(
            pet=pet,
            slot=_arrival_slot(now),
            symptoms=reason,
            state=State.CHECKED_IN,
            triage=Triage(triage),
            walk_in=True,
            # What the visit is for; a walk-in takes no place (walk_in).
            visit_type=visit_type or VisitType.default(),
            checked_in_at=now,
            queue_position=_place_for(triage, day),
        )
        visit.full_clean(exclude=["slot"], validate_constraints=False)
        try:
            _save_new(visit)
        except ValidationError:
            raise ValidationError(WALK_IN_PET_BUSY_ERROR, code="ongoing") from None
        record(visit, ReservationEvent.Kind.CREATED, by, to=State.CHECKED_IN)
        # The desk's sorting, on the record like any triage; the owner hears
        # of the visit once (the first event's e-mail names the band).
        record(
            visit,
            ReservationEvent.Kind.TRIAGE,
            by,
            old=Triage.UNTRIAGED,
            to=triage,
            notify=False,
        )
    visit.new_claim_code = claim_code
    return visit


# The form's names of the new customer's and pet's fields, for their errors.
CUSTOMER_FIELDS = {
    "display_name": "customer_name",
    "phone": "customer_phone",
    "email": "customer_email",
    "preferred_language": "customer_language",
}
PET_FIELDS = {"name": "pet_name", "species": "pet_species"}


def _new_customer_and_pet(*, name, phone, email, pet_name, pet_species, language):
    name, phone, email = name.strip(), phone.strip(), email.strip()
    if not (name and phone and pet_name.strip() and pet_species):
        raise ValidationError(WALK_IN_WHO_ERROR, code="who")
    if email:
        _email_free_check(email)
    owner = User(
        # Never typed by anybody: they sign in by e-mail once they claim it.
        username=f"walkin_{secrets.token_hex(5)}",
        email=email,
        display_name=name,
        phone=phone,
    )
    if language:
        owner.preferred_language = language
    owner.set_unusable_password()
    with _errors_named(CUSTOMER_FIELDS):
        owner.full_clean(exclude=["password"])
    owner.save()
    claim_code = ""
    if email:
        # Unverified: the desk typed it; claiming the account verifies it.
        EmailAddress.objects.create(
            user=owner, email=email, primary=True, verified=False
        )
        claim_code = claim_code_issue(user=owner)
        claim_invitation_send(user=owner)
    with _errors_named(PET_FIELDS):
        pet = pet_create(owner=owner, name=pet_name.strip(), species=pet_species)
    return pet, claim_code


def _email_free_check(email):
    """Refuse an address another account has. Whose it is matters: a
    confirmed one is that customer's (the desk chooses them instead); an
    unconfirmed one may be anybody's who typed it at signup, so the desk must
    not attach this customer's visit to that account, and registers them
    without an e-mail (they add theirs later, and confirm it)."""
    addresses = EmailAddress.objects.filter(email__iexact=email)
    if addresses.filter(verified=True).exists():
        raise ValidationError({"customer_email": WALK_IN_EMAIL_TAKEN_ERROR})
    if addresses.exists() or User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"customer_email": WALK_IN_EMAIL_UNCONFIRMED_ERROR})


@contextlib.contextmanager
def _errors_named(names):
    """A model's field errors under the walk-in's names for those fields."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        renamed = {}
        for field, errors in error.error_dict.items():
            renamed.setdefault(names.get(field, NON_FIELD_ERRORS), []).extend(errors)
        raise ValidationError(renamed) from None


def _arrival_slot(now: datetime.datetime) -> Slot:
    """The slot the pet arrived in (its booked count untouched)."""
    rules = ClinicSettings.current()
    length = datetime.timedelta(minutes=rules.slot_minutes)
    times = [
        start
        for start in slot_times(local_day(now), rules=rules)
        if start <= now < start + length
    ]
    starts_at = times[0] if times else now.replace(second=0, microsecond=0)
    slot, _created = Slot.objects.get_or_create(
        starts_at=starts_at, defaults={"capacity": rules.doctors_on_duty}
    )
    return slot


def _place_for(triage, day) -> int:
    """An emergency goes first in its band: the others of that band move one
    down. A standard walk-in joins the end of the day's queue."""
    if triage != Triage.EMERGENCY:
        return next_queue_position(day)
    Reservation.objects.on_day(day).filter(triage=Triage.EMERGENCY).update(
        queue_position=F("queue_position") + 1
    )
    return 1
