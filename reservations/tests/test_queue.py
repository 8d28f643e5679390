import datetime

import pytest

from pets.tests.factories import PetFactory
from reservations import services
from reservations.models import ClinicSettings, State, Triage
from reservations.selectors import queue_places, today_summary
from reservations.tests.factories import make_visit, tomorrow_at


def visit(owner, name, **fields):
    return make_visit(PetFactory(owner=owner, name=name), **fields)


@pytest.mark.django_db
def test_today_summary_lists_the_head_of_the_queue_with_places_and_waits(customer):
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1, slot_minutes=20)
    for n in range(12):
        visit(customer, f"Standard {n}", triage=Triage.STANDARD, queue_position=n)
    visit(customer, "Urgent", triage=Triage.EMERGENCY, queue_position=99)

    summary = today_summary(limit=10)

    assert [v.pet.name for v in summary.queue[:3]] == [
        "Urgent",
        "Standard 0",
        "Standard 1",
    ]
    assert len(summary.queue) == 10
    assert summary.waiting == 13
    third = summary.queue[2].queue_place
    assert (third.place, third.ahead, third.wait) == (
        3,
        2,
        datetime.timedelta(minutes=40),
    )


@pytest.mark.django_db
def test_today_summary_counts_todays_states_and_every_open_emergency(customer):
    visit(customer, "Waiting", state=State.CHECKED_IN, triage=Triage.EMERGENCY)
    visit(customer, "Treated", state=State.IN_TREATMENT)
    visit(customer, "Done", state=State.FINISHED, triage=Triage.EMERGENCY)
    visit(customer, "Tomorrow", starts_at=tomorrow_at(9), triage=Triage.EMERGENCY)

    summary = today_summary()

    counts = {state: count for state, _label, count in summary.counts}
    assert counts == {
        "requested": 0,
        "confirmed": 0,
        "checked_in": 1,
        "in_treatment": 1,
        "ready_for_release": 0,
        "finished": 1,
        "cancelled": 0,
        "no_show": 0,
    }
    # Today's waiting one and tomorrow's: a finished emergency is not open.
    assert summary.open_emergencies == 2
    assert [v.pet.name for v in summary.queue] == ["Waiting"]


@pytest.mark.django_db
def test_today_summary_reads_four_queries_whatever_the_day_holds(
    customer, django_assert_num_queries
):
    for n in range(20):
        visit(customer, f"Pet {n}", triage=Triage.STANDARD)

    # the booking rules, the counts, the head of the queue, the maximum waits
    with django_assert_num_queries(4):
        today_summary()


@pytest.mark.django_db
def test_an_untriaged_possible_emergency_booked_last_comes_first_among_untriaged(
    customer,
):
    visit(customer, "Standard", triage=Triage.STANDARD, queue_position=5)
    visit(customer, "Emergency", triage=Triage.EMERGENCY, queue_position=6)
    early = visit(customer, "Booked first", queue_position=1)
    visit(customer, "Booked second", queue_position=2)
    flagged = visit(customer, "Bleeding", queue_position=3, heavy_bleeding=True)

    summary = today_summary()
    places = queue_places([early, flagged])

    # Emergencies stay above standard; the red flag leads the untriaged.
    assert [v.pet.name for v in summary.queue] == [
        "Emergency",
        "Standard",
        "Bleeding",
        "Booked first",
        "Booked second",
    ]
    assert (places[flagged.pk].place, places[early.pk].place) == (3, 4)


@pytest.mark.django_db
def test_places_are_read_once_until_a_visit_or_the_rules_change(
    customer, doctor, django_assert_num_queries
):
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1, slot_minutes=20)
    first = visit(customer, "First", triage=Triage.STANDARD, queue_position=1)
    second = visit(customer, "Second", triage=Triage.STANDARD, queue_position=2)
    assert queue_places([first, second])[second.pk].place == 2

    with django_assert_num_queries(0):  # kept for the next page
        again = queue_places([first, second])
    assert (again[second.pk].place, again[second.pk].wait) == (
        2,
        datetime.timedelta(minutes=20),
    )

    services.reservation_triage(reservation=second, triage=Triage.EMERGENCY, by=doctor)
    moved = queue_places([first, second])
    assert (moved[second.pk].place, moved[first.pk].place) == (1, 2)

    ClinicSettings.objects.filter(pk=1).update(slot_minutes=30)
    assert queue_places([first, second])[first.pk].wait == datetime.timedelta(
        minutes=30
    )
