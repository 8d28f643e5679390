"""The hospital the page benchmarks run against, seeded in bulk
(bench/reservations.py; see bench/README.md)."""

from collections import Counter

OWNERS = 50
# The benchmark's customer owns this many pets: a busy owner (a breeder, a
# shelter), the worst realistic case for "My pets".
CUSTOMER_PETS = 20
TODAY_VISITS = 40  # ongoing visits in today's queue, if today has the places
FUTURE_VISITS = 60  # requested or confirmed, in the next days
THREAD_MESSAGES = 20  # in the customer's consultation thread


def seed(*, visits, pets):
    """A hospital in bulk: owners, pets, and visits past, today and to come.

    Every pet has at most one ongoing visit and no slot holds more visits
    than its capacity, as the database requires; the rest are finished or
    cancelled visits in the past. One event per change, like the services.
    """
    import datetime
    from itertools import cycle

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from accounts.services import user_create_verified, user_promote_to_doctor
    from pets.models import Pet, Species
    from reservations.models import (
        ClinicSettings,
        Reservation,
        ReservationEvent,
        Slot,
        State,
        Triage,
    )
    from reservations.slots import slot_times
    from reservations.visit_types import VisitType

    capacity = ClinicSettings.current().doctors_on_duty
    today = timezone.localdate()
    doctor = user_create_verified(
        username="bench_doctor", email="doctor@bench.example", password=None
    )
    user_promote_to_doctor(user=doctor)
    customer = user_create_verified(
        username="bench_customer", email="customer@bench.example", password=None
    )
    unusable = make_password(None)
    owners = [customer] + User.objects.bulk_create(
        User(username=f"owner{i}", email=f"owner{i}@bench.example", password=unusable)
        for i in range(1, OWNERS)
    )
    # The customer's pets first, then the others' in turn.
    pet_owners = [customer] * CUSTOMER_PETS + [
        owners[1 + i % (OWNERS - 1)] for i in range(pets - CUSTOMER_PETS)
    ]
    species = cycle(Species.values)
    all_pets = Pet.objects.bulk_create(
        Pet(
            owner=owner,
            name=f"Pet {i}",
            species=next(species),
            birth_date=today - datetime.timedelta(days=400 + i),
        )
        for i, owner in enumerate(pet_owners)
    )

    def places(days):
        """Each slot start of these days, once per place."""
        for day in days:
            for starts_at in slot_times(day):
                yield from [starts_at] * capacity

    today_places = list(places([today]))[: min(TODAY_VISITS, pets)]
    future_places = places(today + datetime.timedelta(days=d) for d in range(1, 60))
    past_places = places(today - datetime.timedelta(days=d) for d in range(1, 3650))
    ongoing = [
        State.REQUESTED,
        State.CONFIRMED,
        State.CHECKED_IN,
        State.IN_TREATMENT,
        State.READY_FOR_RELEASE,
    ]
    bands = cycle(
        [Triage.EMERGENCY, Triage.STANDARD, Triage.STANDARD, Triage.UNTRIAGED]
    )
    plan = []  # (pet, starts_at, state, triage)
    for i, starts_at in enumerate(today_places):
        plan.append((all_pets[i], starts_at, ongoing[i % 5], next(bands)))
    # One ongoing visit per pet: the future ones go to pets not in today's queue.
    for i in range(len(today_places), min(len(today_places) + FUTURE_VISITS, pets)):
        state = State.REQUESTED if i % 2 else State.CONFIRMED
        triage = Triage.UNTRIAGED if i % 2 else Triage.STANDARD
        plan.append((all_pets[i], next(future_places), state, triage))
    for i in range(visits - len(plan)):
        state = State.CANCELLED if i % 10 == 0 else State.FINISHED
        plan.append((all_pets[i % pets], next(past_places), state, Triage.STANDARD))

    slots = Slot.objects.bulk_create(
        Slot(starts_at=starts_at, capacity=capacity, booked=booked)
        for starts_at, booked in Counter(
            starts_at for _, starts_at, state, _ in plan if state != State.CANCELLED
        ).items()
    )
    by_time = {slot.starts_at: slot for slot in slots}
    for starts_at in {starts_at for _, starts_at, _, _ in plan} - set(by_time):
        # A slot that holds only cancelled visits keeps all its places.
        by_time[starts_at] = Slot.objects.create(starts_at=starts_at, capacity=capacity)
    visit_type = VisitType.default()  # every visit has a type (one slot long)
    created = Reservation.objects.bulk_create(
        Reservation(
            pet=pet,
            visit_type=visit_type,
            slot=by_time[starts_at],
            symptoms="Limping on the left front leg since Monday; eats normally.",
            state=state,
            triage=triage,
            queue_position=position,
            cancel_reason="Feeling better." if state == State.CANCELLED else "",
        )
        for position, (pet, starts_at, state, triage) in enumerate(plan, start=1)
    )
    events = []
    for visit in created:
        events.append(
            ReservationEvent(
                reservation=visit,
                kind=ReservationEvent.Kind.CREATED,
                actor=visit.pet.owner,
                to_value=State.REQUESTED,
            )
        )
        if visit.triage != Triage.UNTRIAGED:
            events.append(
                ReservationEvent(
                    reservation=visit,
                    kind=ReservationEvent.Kind.TRIAGE,
                    actor=doctor,
                    from_value=Triage.UNTRIAGED,
                    to_value=visit.triage,
                )
            )
        if visit.state != State.REQUESTED:
            events.append(
                ReservationEvent(
                    reservation=visit,
                    kind=ReservationEvent.Kind.STATE,
                    actor=doctor,
                    from_value=State.REQUESTED,
                    to_value=visit.state,
                    note="All well.",
                )
            )
    ReservationEvent.objects.bulk_create(events)
    print(
        f"Seeded {len(all_pets)} pets of {OWNERS} owners, {len(created)} visits "
        f"({len(today_places)} today), {len(events)} events.",
        flush=True,
    )
    # The customer's visit in today's queue, with a few events to show.
    visit = next(v for v in created if v.pet.owner_id == customer.pk and v.is_ongoing)
    return doctor, customer, visit


def seed_thread(*, customer, doctor):
    """The customer's consultation thread, with a conversation to show."""
    from consultation.services import message_post, thread_open

    thread = thread_open(
        customer=customer,
        subject="Limping after the walk",
        text="She is limping on the left front leg since Monday.",
    )
    for i in range(THREAD_MESSAGES - 1):
        message_post(
            thread=thread,
            sender=doctor if i % 2 == 0 else customer,
            text=f"Message {i}: does she put weight on it when she stands?",
        )
    return thread
