import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pets.tests.factories import PetFactory
from reservations import services
from reservations.models import ClinicSettings, Reservation, Slot, State, Triage
from reservations.services import (
    CANCEL_REASON_REQUIRED_ERROR,
    NOTE_TOO_LONG_ERROR,
    PET_HAS_ONGOING_VISIT_ERROR,
    PET_NOT_BOOKABLE_ERROR,
    SLOT_TAKEN_ERROR,
    SLOT_UNAVAILABLE_ERROR,
    TRANSITIONS,
)
from reservations.tests.factories import book, tomorrow_at

DAY = datetime.timedelta(days=1)

ALL_STATES = list(State.values)


def messages(error):
    return [str(message) for message in error.value.messages]


@pytest.fixture
def pet(customer):
    return PetFactory(owner=customer)


# --- booking ----------------------------------------------------------------------


@pytest.mark.django_db
def test_booking_takes_a_place_and_records_the_event(pet):
    visit = book(pet)

    assert visit.state == State.REQUESTED and visit.triage == Triage.UNTRIAGED
    assert Slot.objects.get().booked == 1
    event = visit.events.get()
    assert (event.kind, event.actor, event.to_value) == (
        "created",
        pet.owner,
        "requested",
    )


@pytest.mark.django_db
def test_a_red_flag_marks_a_possible_emergency(pet):
    assert book(pet, heavy_bleeding=True).possible_emergency
    assert not book(
        PetFactory(owner=pet.owner), starts_at=tomorrow_at(11)
    ).possible_emergency


@pytest.mark.django_db
def test_a_full_slot_says_taken(customer):
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1)
    book(PetFactory(owner=customer))

    with pytest.raises(ValidationError) as error:
        book(PetFactory(owner=customer))

    assert messages(error) == [str(SLOT_TAKEN_ERROR)]
    assert Slot.objects.get().booked == 1
    assert Reservation.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "starts_at",
    [
        pytest.param(lambda: tomorrow_at(10, 10), id="between-slots"),
        pytest.param(lambda: tomorrow_at(6), id="before-opening"),
        pytest.param(lambda: tomorrow_at(22), id="after-closing"),
        pytest.param(lambda: tomorrow_at(10).replace(year=2020), id="past"),
        pytest.param(lambda: tomorrow_at(10).replace(year=2099), id="too-far"),
    ],
)
def test_times_that_are_not_free_slots_are_refused(pet, starts_at):
    with pytest.raises(ValidationError) as error:
        book(pet, starts_at=starts_at())

    assert messages(error) == [str(SLOT_UNAVAILABLE_ERROR)]
    assert not Reservation.objects.exists()


@pytest.mark.django_db
def test_a_closed_day_offers_nothing(pet):
    from reservations.models import OpeningHours

    OpeningHours.objects.update(opens=None, closes=None)

    with pytest.raises(ValidationError):
        book(pet)


@pytest.mark.django_db
def test_a_pet_has_one_ongoing_visit(pet):
    book(pet)

    with pytest.raises(ValidationError) as error:
        book(pet, starts_at=tomorrow_at(11))

    assert messages(error) == [str(PET_HAS_ONGOING_VISIT_ERROR)]
    assert Slot.objects.filter(booked=1).count() == 1


@pytest.mark.django_db
def test_after_a_cancelled_visit_the_pet_can_book_again(pet):
    services.reservation_transition(
        reservation=book(pet), to_state=State.CANCELLED, by=pet.owner, note="Better"
    )

    assert book(pet, starts_at=tomorrow_at(11)).state == State.REQUESTED


@pytest.mark.django_db
def test_nobody_books_for_another_customers_pet(pet, other_customer):
    with pytest.raises(ValidationError) as error:
        services.reservation_create(
            owner=other_customer, pet=pet, starts_at=tomorrow_at(10), symptoms="x"
        )

    assert messages(error) == [str(PET_NOT_BOOKABLE_ERROR)]


@pytest.mark.django_db
def test_symptoms_are_required_and_limited(pet):
    for symptoms in ("", "x" * 2001):
        with pytest.raises(ValidationError):
            book(pet, symptoms=symptoms)
    assert Slot.objects.filter(booked__gt=0).count() == 0


# --- editing ----------------------------------------------------------------------


@pytest.mark.django_db
def test_moving_a_visit_frees_the_old_place(pet):
    visit = book(pet)

    services.reservation_update(
        reservation=visit,
        by=pet.owner,
        starts_at=tomorrow_at(14),
        symptoms="Worse now.",
        breathing_trouble=True,
        heavy_bleeding=False,
        collapse_or_seizure=False,
    )

    visit.refresh_from_db()
    assert visit.slot.starts_at == tomorrow_at(14) and visit.possible_emergency
    assert Slot.objects.get(starts_at=tomorrow_at(10)).booked == 0
    assert visit.events.filter(kind="edited").exists()


@pytest.mark.django_db
def test_moving_a_visit_to_another_day_joins_the_end_of_that_days_queue(pet):
    visit = book(pet)
    for _ in range(2):
        book(PetFactory(owner=pet.owner), starts_at=tomorrow_at(10) + DAY)

    services.reservation_update(
        reservation=visit,
        by=pet.owner,
        starts_at=tomorrow_at(11) + DAY,
        symptoms=visit.symptoms,
        breathing_trouble=False,
        heavy_bleeding=False,
        collapse_or_seizure=False,
    )

    visit.refresh_from_db()
    assert visit.queue_position == 3


@pytest.mark.django_db
def test_a_visit_in_progress_cannot_be_edited(pet, doctor):
    visit = book(pet)
    for state in (State.CONFIRMED, State.CHECKED_IN):
        services.reservation_transition(reservation=visit, to_state=state, by=doctor)

    with pytest.raises(ValidationError):
        services.reservation_update(
            reservation=visit,
            by=pet.owner,
            starts_at=tomorrow_at(10),
            symptoms="x",
            breathing_trouble=False,
            heavy_bleeding=False,
            collapse_or_seizure=False,
        )


# --- transitions ------------------------------------------------------------------


def _visit_in(state, pet, doctor):
    visit = book(pet)
    reason = "Test" if state == State.CANCELLED else ""
    Reservation.objects.filter(pk=visit.pk).update(state=state, cancel_reason=reason)
    visit.refresh_from_db()
    return visit


LEGAL = [(a, b) for a, targets in TRANSITIONS.items() for b in targets]
ILLEGAL = [(a, b) for a in ALL_STATES for b in ALL_STATES if (a, b) not in LEGAL]


@pytest.mark.django_db
@pytest.mark.parametrize(("from_state", "to_state"), LEGAL)
def test_every_legal_move_is_made_and_recorded(pet, doctor, from_state, to_state):
    visit = _visit_in(from_state, pet, doctor)

    services.reservation_transition(
        reservation=visit, to_state=to_state, by=doctor, note="Reason given"
    )

    visit.refresh_from_db()
    assert visit.state == to_state
    event = visit.events.get(kind="state")
    assert (event.from_value, event.to_value, event.actor) == (
        from_state,
        to_state,
        doctor,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("from_state", "to_state"), ILLEGAL)
def test_every_illegal_move_is_refused_and_changes_nothing(
    pet, doctor, from_state, to_state
):
    visit = _visit_in(from_state, pet, doctor)

    with pytest.raises(ValidationError) as error:
        services.reservation_transition(
            reservation=visit, to_state=to_state, by=doctor, note="Reason"
        )

    assert "cannot become" in messages(error)[0]
    visit.refresh_from_db()
    assert visit.state == from_state
    assert not visit.events.filter(kind="state").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [
        (State.REQUESTED, State.CANCELLED),
        (State.CONFIRMED, State.CANCELLED),
        (State.READY_FOR_RELEASE, State.FINISHED),
    ],
)
def test_the_owner_cancels_early_and_confirms_pickup(pet, doctor, from_state, to_state):
    visit = _visit_in(from_state, pet, doctor)

    services.reservation_transition(
        reservation=visit, to_state=to_state, by=pet.owner, note="Reason"
    )

    visit.refresh_from_db()
    assert visit.state == to_state


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [
        (State.REQUESTED, State.CONFIRMED),
        (State.CHECKED_IN, State.CANCELLED),
        (State.IN_TREATMENT, State.READY_FOR_RELEASE),
    ],
)
def test_the_owner_cannot_move_a_visit_forward(pet, doctor, from_state, to_state):
    visit = _visit_in(from_state, pet, doctor)

    with pytest.raises(PermissionDenied):
        services.reservation_transition(
            reservation=visit, to_state=to_state, by=pet.owner, note="x"
        )

    visit.refresh_from_db()
    assert visit.state == from_state


@pytest.mark.django_db
def test_another_customer_cannot_cancel(pet, other_customer):
    visit = book(pet)

    with pytest.raises(PermissionDenied):
        services.reservation_transition(
            reservation=visit, to_state=State.CANCELLED, by=other_customer, note="x"
        )


@pytest.mark.django_db
def test_cancelling_needs_a_reason_and_frees_the_place(pet, doctor):
    visit = book(pet)

    with pytest.raises(ValidationError) as error:
        services.reservation_transition(
            reservation=visit, to_state=State.CANCELLED, by=doctor, note="  "
        )
    assert messages(error) == [str(CANCEL_REASON_REQUIRED_ERROR)]

    services.reservation_transition(
        reservation=visit, to_state=State.CANCELLED, by=doctor, note="Doctor ill"
    )
    visit.refresh_from_db()
    assert visit.cancel_reason == "Doctor ill"
    assert Slot.objects.get().booked == 0


@pytest.mark.django_db
def test_a_note_over_the_limit_is_refused_and_changes_nothing(pet, doctor):
    visit = book(pet)

    with pytest.raises(ValidationError) as error:
        services.reservation_transition(
            reservation=visit, to_state=State.CANCELLED, by=doctor, note="x" * 501
        )

    assert messages(error) == [str(NOTE_TOO_LONG_ERROR) % {"limit": 500}]
    visit.refresh_from_db()
    assert visit.state == State.REQUESTED
    assert Slot.objects.get().booked == 1


@pytest.mark.django_db
def test_advance_moves_one_step(pet, doctor):
    visit = book(pet)

    services.reservation_advance(reservation=visit, by=doctor)

    visit.refresh_from_db()
    assert visit.state == State.CONFIRMED


# --- triage and queue -------------------------------------------------------------


@pytest.mark.django_db
def test_only_doctors_triage_and_it_is_recorded(pet, doctor):
    visit = book(pet)

    with pytest.raises(PermissionDenied):
        services.reservation_triage(
            reservation=visit, triage=Triage.EMERGENCY, by=pet.owner
        )
    services.reservation_triage(reservation=visit, triage=Triage.EMERGENCY, by=doctor)

    visit.refresh_from_db()
    assert visit.triage == Triage.EMERGENCY
    event = visit.events.get(kind="triage")
    assert (event.from_value, event.to_value) == ("untriaged", "emergency")


@pytest.mark.django_db
def test_the_queue_puts_emergencies_first_then_the_doctors_order(customer, doctor):
    first, second, third = (
        book(PetFactory(owner=customer), starts_at=tomorrow_at(10 + n))
        for n in range(3)
    )
    for visit in (first, second, third):
        services.reservation_triage(
            reservation=visit, triage=Triage.STANDARD, by=doctor
        )
    services.reservation_triage(reservation=third, triage=Triage.EMERGENCY, by=doctor)
    services.queue_reorder(reservations=[second, first], by=doctor)

    queue = list(Reservation.objects.ongoing().in_queue_order())

    assert queue == [third, second, first]
