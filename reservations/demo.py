"""Demo visits for `manage.py seed_demo`: every state, and a queue for today.

Visits still to come are booked and moved along through the services, as a
customer and a doctor would. Today's and past visits cannot be: booking refuses
a time that has gone by, and whether today's slots have gone by depends on the
hour seed_demo runs. Those are written straight to the database by
`_write_visit`, with the events the services would have recorded.

"Today" is the day seed_demo first runs; a visit is recognised again by its pet
and its symptoms, so running it again adds nothing.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from accounts.roles import FRONT_DESK_GROUP
from accounts.services import user_create_verified
from pets.demo import DEMO_PETS
from pets.models import Pet

from . import services
from .models import (
    ClinicSettings,
    Reservation,
    ReservationEvent,
    Slot,
    State,
    Triage,
    VisitType,
)
from .services.places import places_take
from .slots import free_slots, slot_times, visit_end

DOCTOR = "dr_chen"


# When each move happens: confirming and cancelling after the booking, the
# others after the visit's start.
STEP_AFTER = {
    State.CONFIRMED: datetime.timedelta(hours=2),
    State.CANCELLED: datetime.timedelta(hours=3),
    State.NO_SHOW: datetime.timedelta(minutes=45),
    State.CHECKED_IN: datetime.timedelta(minutes=-10),
    State.IN_TREATMENT: datetime.timedelta(minutes=10),
    State.READY_FOR_RELEASE: datetime.timedelta(minutes=90),
    State.FINISHED: datetime.timedelta(minutes=120),
}

# The path of a visit through the states up to each one (PRODUCT.md section 5).
PATH = [
    State.REQUESTED,
    State.CONFIRMED,
    State.CHECKED_IN,
    State.IN_TREATMENT,
    State.READY_FOR_RELEASE,
    State.FINISHED,
]


@dataclass(frozen=True)
class DemoVisit:
    pet: str
    state: str
    triage: str
    symptoms: str
    # Days from today (negative: past) and which of that day's slots.
    day: int
    slot: int
    flags: dict = field(default_factory=dict)
    # A note on the move into a state; for "cancelled" it is the reason.
    notes: dict = field(default_factory=dict)
    # The name of one of the types migration 0008 seeds.
    visit_type: str = "Consultation"


# In order: a pet's closed visits come before its ongoing one.
DEMO_VISITS = [
    DemoVisit(
        "Biscuit",
        State.NO_SHOW,
        Triage.STANDARD,
        "Nail trim.",
        day=-30,
        slot=2,
        visit_type="Check-up",
    ),
    DemoVisit(
        "Biscuit",
        State.FINISHED,
        Triage.STANDARD,
        "Tartar on the back teeth: scaling and polishing.",
        day=-45,
        slot=6,
        visit_type="Dental",
        notes={State.FINISHED: "Teeth cleaned; brush them twice a week."},
    ),
    DemoVisit(
        "Biscuit",
        State.FINISHED,
        Triage.STANDARD,
        "Annual check-up and vaccinations.",
        day=-120,
        slot=4,
        visit_type="Vaccination",
        notes={State.FINISHED: "Vaccinations given; next check-up in a year."},
    ),
    DemoVisit(
        "Mochi",
        State.FINISHED,
        Triage.STANDARD,
        "First vaccinations for our new kitten.",
        day=-60,
        slot=6,
        visit_type="Vaccination",
    ),
    DemoVisit(
        "团子",
        State.FINISHED,
        Triage.STANDARD,
        "左后腿有个肿块，想咨询手术。",
        day=-20,
        slot=2,
        visit_type="Surgery consultation",
        notes={State.FINISHED: "良性脂肪瘤，暂不需要手术；三个月后复查。"},
    ),
    DemoVisit(
        "豆豆",
        State.CANCELLED,
        Triage.UNTRIAGED,
        "羽毛有点蓬松，想做个检查。",
        day=3,
        slot=8,
        visit_type="Check-up",
        notes={State.CANCELLED: "他已经好多了，下次再来。"},
    ),
    # Today's queue: both bands, one untriaged, one of each ongoing state.
    DemoVisit(
        "Mochi",
        State.READY_FOR_RELEASE,
        Triage.STANDARD,
        "Booster vaccinations and a microchip.",
        day=0,
        slot=0,
        visit_type="Vaccination",
        notes={State.READY_FOR_RELEASE: "All done: Mochi can go home."},
    ),
    DemoVisit(
        "Biscuit",
        State.IN_TREATMENT,
        Triage.EMERGENCY,
        "Ate a whole bar of dark chocolate an hour ago and is panting hard.",
        day=0,
        slot=1,
        flags={"breathing_trouble": True},
        notes={State.IN_TREATMENT: "Induced vomiting; on a drip for the day."},
    ),
    DemoVisit(
        "团子",
        State.CHECKED_IN,
        Triage.EMERGENCY,
        "从昨天晚上开始不吃东西，也没有排便。",
        day=0,
        slot=2,
    ),
    DemoVisit(
        "花卷",
        State.REQUESTED,
        Triage.UNTRIAGED,
        "打喷嚏、流眼泪两天了。",
        day=0,
        slot=3,
    ),
    # Tomorrow's: booked and confirmed through the services.
    DemoVisit(
        "豆豆",
        State.CONFIRMED,
        Triage.STANDARD,
        "想剪指甲和修喙。",
        day=1,
        slot=4,
        visit_type="Check-up",
    ),
]


def seed_visits(*, dry_run=False):
    """Create the demo visits that are missing (of pets/demo.py's pets, which
    seed_demo makes first); return report lines."""
    lines = []
    users = {
        user.username: user
        for user in User.objects.filter(
            username__in={pet.owner for pet in DEMO_PETS} | {DOCTOR}
        )
    }
    pets = {pet.name: pet for pet in Pet.objects.filter(owner__in=users.values())}
    doctor = users.get(DOCTOR)
    for demo in DEMO_VISITS:
        label = f"visit {demo.pet}: {demo.state}, {demo.triage}, day {demo.day:+d}"
        pet = pets.get(demo.pet)
        if dry_run:
            kept = pet and _exists(pet, demo)
            lines.append(f"{'Kept   ' if kept else 'Would create'} {label}")
            continue
        if pet is None or doctor is None:
            lines.append(f"Skipped {label}: no pet {demo.pet} or no {DOCTOR}")
            continue
        if _exists(pet, demo):
            lines.append(f"Kept    {label}")
            continue
        try:
            if demo.day > 0:
                visit = _book_visit(demo, pet=pet, doctor=doctor)
            else:
                visit = _write_visit(demo, pet=pet, doctor=doctor)
        except (ValidationError, PermissionDenied) as error:
            # The database is not empty (someone booked by hand): leave it be.
            lines.append(f"Skipped {label}: {' '.join(error.messages)}")
            continue
        starts_at = timezone.localtime(visit.slot.starts_at)
        lines.append(f"Created {label} at {starts_at:%Y-%m-%d %H:%M}")
    return lines


FRONT_DESK = ("reception", "reception@healingpaws.example", "Mei Reception")


def seed_front_desk(*, dry_run=False):
    """The demo receptionist, in the "Front desk" group (migration 0003)."""
    username, email, name = FRONT_DESK
    if User.objects.filter(username=username).exists():
        return [f"Kept    front desk {username}"]
    if dry_run:
        return [f"Would create front desk {username:<12} {email}"]
    user = user_create_verified(
        username=username, email=email, password=DEMO_PASSWORD, display_name=name
    )
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get_or_create(name=FRONT_DESK_GROUP)[0])
    return [f"Created front desk {username:<12} {email}"]


def seed(*, dry_run=False):
    """What `manage.py seed_demo` runs of this app (after the apps before it)."""
    return seed_front_desk(dry_run=dry_run) + seed_visits(dry_run=dry_run)


def _exists(pet, demo):
    return Reservation.objects.filter(pet=pet, symptoms=demo.symptoms).exists()


def _steps(demo):
    """The states a visit passes through after `requested` to reach its own."""
    if demo.state == State.CANCELLED:
        return [State.CANCELLED]
    if demo.state == State.NO_SHOW:
        return [State.CONFIRMED, State.NO_SHOW]
    return PATH[1 : PATH.index(demo.state) + 1]


def _book_visit(demo, *, pet, doctor):
    """A future visit, booked by its owner and moved along by the doctor."""
    day = timezone.localdate() + datetime.timedelta(days=demo.day)
    visit_type = _visit_type(demo)
    free = free_slots(day, units=visit_type.slot_units)
    if not free:
        raise ValidationError(f"no free slot on {day}")
    starts_at = free[min(demo.slot, len(free) - 1)].starts_at
    owner = pet.owner
    visit = services.reservation_create(
        owner=owner,
        pet=pet,
        starts_at=starts_at,
        symptoms=demo.symptoms,
        visit_type=visit_type,
        **demo.flags,
    )
    if demo.triage != Triage.UNTRIAGED:
        services.reservation_triage(reservation=visit, triage=demo.triage, by=doctor)
    for state in _steps(demo):
        # Owners cancel their own visits and confirm pickup; doctors do the rest.
        by = owner if state in (State.CANCELLED, State.FINISHED) else doctor
        visit = services.reservation_transition(
            reservation=visit, to_state=state, by=by, note=demo.notes.get(state, "")
        )
    return visit


def _write_visit(demo, *, pet, doctor):
    """A visit today or in the past, written directly with its events.

    The services only book future slots, so this does what they would have
    done: take a place in the slot, join the end of the day's queue, and record
    the booking, triage and each move, at times before now.
    """
    if demo.state not in (State.FINISHED, State.CANCELLED) and (
        Reservation.objects.ongoing().filter(pet=pet).exists()
    ):
        raise ValidationError(str(services.PET_HAS_ONGOING_VISIT_ERROR))
    starts_at = _slot_time(demo)
    visit_type = _visit_type(demo)
    rules = ClinicSettings.current()
    if demo.state != State.CANCELLED:
        # The same locked, conditional update as a booking, in each slot the
        # visit takes: never past capacity.
        with transaction.atomic():
            slot = places_take(starts_at, visit_type.slot_units, rules=rules)
    else:
        slot, _created = Slot.objects.get_or_create(
            starts_at=starts_at, defaults={"capacity": rules.doctors_on_duty}
        )
    last = Reservation.objects.on_day(timezone.localdate(starts_at)).aggregate(
        last=Max("queue_position")
    )["last"]
    visit = Reservation.objects.create(
        pet=pet,
        slot=slot,
        visit_type=visit_type,
        places=visit_type.slot_units,
        ends_at=visit_end(starts_at, visit_type.slot_units, rules=rules),
        symptoms=demo.symptoms,
        state=demo.state,
        triage=demo.triage,
        queue_position=(last or 0) + 1,
        cancel_reason=demo.notes.get(State.CANCELLED, ""),
        checked_in_at=(
            starts_at + STEP_AFTER[State.CHECKED_IN]
            if State.CHECKED_IN in _steps(demo)
            else None
        ),
        **demo.flags,
    )

    # Booked the day before, triaged and confirmed (or cancelled) within hours,
    # then the visit itself. Nothing is dated after now: today's visits may
    # not have begun yet.
    now = timezone.now()
    booked_at = starts_at - datetime.timedelta(days=1)
    Kind = ReservationEvent.Kind
    events = [(booked_at, Kind.CREATED, pet.owner, "", State.REQUESTED, "")]
    if demo.triage != Triage.UNTRIAGED:
        at = booked_at + datetime.timedelta(hours=1)
        events.append((at, Kind.TRIAGE, doctor, Triage.UNTRIAGED, demo.triage, ""))
    previous = State.REQUESTED
    for state in _steps(demo):
        base = booked_at if state in (State.CONFIRMED, State.CANCELLED) else starts_at
        by = pet.owner if state in (State.CANCELLED, State.FINISHED) else doctor
        note = demo.notes.get(state, "")
        events.append((base + STEP_AFTER[state], Kind.STATE, by, previous, state, note))
        previous = state
    for at, kind, actor, old, new, note in events:
        event = ReservationEvent.objects.create(
            reservation=visit,
            kind=kind,
            actor=actor,
            from_value=old,
            to_value=new,
            note=note,
        )
        # created_at is auto_now_add, so the past date is set afterwards.
        ReservationEvent.objects.filter(pk=event.pk).update(created_at=min(at, now))
    Reservation.objects.filter(pk=visit.pk).update(created_at=min(booked_at, now))
    return visit


def _visit_type(demo):
    return VisitType.objects.filter(name=demo.visit_type).first() or VisitType.default()


def _slot_time(demo):
    """The demo's slot of its day, or 9:00 onwards if the hospital is closed."""
    day = timezone.localdate() + datetime.timedelta(days=demo.day)
    times = slot_times(day)
    if times:
        return times[min(demo.slot, len(times) - 1)]
    zone = timezone.get_current_timezone()
    opening = datetime.datetime.combine(day, datetime.time(9), tzinfo=zone)
    return opening + datetime.timedelta(minutes=30 * demo.slot)
