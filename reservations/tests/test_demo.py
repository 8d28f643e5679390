from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.demo import seed_accounts
from pets.demo import seed_pets
from pets.models import Pet
from reservations.demo import DEMO_VISITS
from reservations.models import (
    ONGOING_STATES,
    ClinicSettings,
    Reservation,
    Slot,
    State,
    Triage,
)
from reservations.slots import visit_times
from reservations.tests.factories import make_visit


@pytest.fixture
def seeded(settings, db):
    settings.DEBUG = True
    call_command("seed_demo")


def test_seed_demo_makes_visits_in_every_state(seeded):
    assert set(Reservation.objects.values_list("state", flat=True)) == set(State.values)
    assert Reservation.objects.count() == len(DEMO_VISITS)


def test_seed_demo_fills_todays_queue_with_both_bands_and_an_untriaged_visit(seeded):
    today = Reservation.objects.on_day(timezone.localdate()).ongoing()

    assert set(today.values_list("triage", flat=True)) == set(Triage.values)
    assert today.filter(triage=Triage.EMERGENCY).count() >= 2


def test_every_demo_visit_has_its_history_of_events(seeded):
    for visit in Reservation.objects.prefetch_related("events"):
        events = list(visit.events.all())
        assert events[0].kind == "created"
        assert events[0].actor == visit.pet.owner
        moves = [e.to_value for e in events if e.kind == "state"]
        if visit.state == State.REQUESTED:
            assert moves == []
        else:
            assert moves[-1] == visit.state
        triaged = [e.to_value for e in events if e.kind == "triage"]
        assert triaged == ([] if visit.triage == Triage.UNTRIAGED else [visit.triage])
        assert all(e.created_at <= timezone.now() for e in events)


def test_demo_visits_take_their_places_in_every_slot_they_cover(seeded):
    rules = ClinicSettings.current()
    covering = Counter()
    for visit in Reservation.objects.exclude(state=State.CANCELLED).select_related(
        "slot"
    ):
        for start in visit_times(visit.slot.starts_at, visit.places, rules=rules):
            covering[start] += 1
    booked = {slot.starts_at: slot.booked for slot in Slot.objects.filter(booked__gt=0)}
    assert booked == dict(covering)


def test_demo_visits_have_types_and_some_take_several_slots(seeded):
    names = set(Reservation.objects.values_list("visit_type__name", flat=True))
    assert {"Check-up", "Vaccination", "Consultation", "Dental"} <= names
    dental = Reservation.objects.get(visit_type__name="Dental")
    assert dental.places == dental.visit_type.slot_units == 2  # 60 of 30 minutes


def test_seed_demo_twice_adds_no_visits_the_second_time(seeded, capsys):
    visits = Reservation.objects.count()
    pets = Pet.objects.count()
    capsys.readouterr()

    call_command("seed_demo")

    assert Reservation.objects.count() == visits
    assert Pet.objects.count() == pets
    out = capsys.readouterr().out
    assert "Created" not in out
    assert "Kept    visit Biscuit: in_treatment, emergency" in out


@pytest.mark.django_db
def test_seed_demo_dry_run_writes_no_visits(settings, capsys):
    settings.DEBUG = True

    call_command("seed_demo", "--dry-run")

    assert not Reservation.objects.exists()
    out = capsys.readouterr().out
    assert "Would create visit Biscuit: in_treatment, emergency, day +0" in out
    assert "Would create pet 花卷 of xiaoming" in out


@pytest.mark.django_db
def test_seed_demo_leaves_a_pet_with_a_visit_booked_by_hand_alone(settings, capsys):
    settings.DEBUG = True
    seed_accounts()
    seed_pets()
    biscuit = Pet.objects.get(name="Biscuit")
    by_hand = make_visit(biscuit, state=State.CONFIRMED)

    call_command("seed_demo")

    assert list(Reservation.objects.ongoing().filter(pet=biscuit)) == [by_hand]
    assert "Skipped visit Biscuit: in_treatment" in capsys.readouterr().out
    assert Reservation.objects.filter(state__in=ONGOING_STATES).count() == 5


def test_seed_demo_makes_a_receptionist_in_the_front_desk_group(seeded):
    from accounts.models import User
    from accounts.roles import is_front_desk

    assert is_front_desk(User.objects.get(username="reception"))
