"""No-shows (issue 16): a confirmed visit whose pet did not come, marked by
doctors or the front desk once its start is 30 minutes gone."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core.background import run_ready_tasks
from pets.tests.factories import PetFactory
from reservations import services, states
from reservations.models import Slot, State
from reservations.reminders import mark_missed_visits
from reservations.selectors import today_summary
from reservations.tests.factories import make_front_desk, make_visit, today_at

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:reservations_reservation_changelist")


@pytest.fixture
def desk(db):
    return make_front_desk(username="reception")


@pytest.fixture
def at_eleven(time_machine):
    time_machine.move_to(today_at(11), tick=False)


def confirmed_at_ten(owner, name="Rex"):
    return make_visit(
        PetFactory(owner=owner, name=name),
        state=State.CONFIRMED,
        starts_at=today_at(10),
    )


def mark(visit, by):
    return services.reservation_transition(
        reservation=visit, to_state=State.NO_SHOW, by=by
    )


def test_a_doctor_marks_a_confirmed_visit_a_no_show_and_its_place_is_freed(
    doctor, customer, at_eleven
):
    visit = confirmed_at_ten(customer)

    mark(visit, doctor)

    visit.refresh_from_db()
    assert visit.state == State.NO_SHOW
    assert Slot.objects.get(starts_at=today_at(10)).booked == 0
    assert visit.events.get().to_value == "no_show"
    counts = {state: count for state, _label, count in today_summary().counts}
    assert counts["no_show"] == 1
    assert today_summary().waiting == 0


def test_the_owner_gets_a_kind_e_mail_with_a_link_to_book_again(
    doctor, customer, at_eleven
):
    visit = confirmed_at_ten(customer)

    mark(visit, doctor)
    run_ready_tasks()

    (message,) = mail.outbox
    assert "We missed Rex" in message.body
    assert f"/reservations/new/?pet={visit.pet_id}" in message.body


def test_the_front_desk_marks_no_shows_too(desk, customer, at_eleven):
    visit = confirmed_at_ten(customer)

    mark(visit, desk)

    visit.refresh_from_db()
    assert visit.state == State.NO_SHOW


def test_a_no_show_is_refused_before_30_minutes_after_the_start(
    doctor, customer, time_machine
):
    time_machine.move_to(today_at(10, 29), tick=False)
    visit = confirmed_at_ten(customer)

    with pytest.raises(ValidationError) as refused:
        mark(visit, doctor)

    assert refused.value.code == "too_early"
    visit.refresh_from_db()
    assert visit.state == State.CONFIRMED


@pytest.mark.parametrize("state", [State.REQUESTED, State.CHECKED_IN])
def test_only_a_confirmed_visit_can_be_a_no_show(doctor, customer, state, at_eleven):
    visit = make_visit(PetFactory(owner=customer), state=state, starts_at=today_at(9))

    with pytest.raises(ValidationError):
        mark(visit, doctor)


def test_the_owner_cannot_mark_their_own_visit_a_no_show(customer, at_eleven):
    visit = confirmed_at_ten(customer)

    with pytest.raises(PermissionDenied):
        mark(visit, customer)


def test_advancing_a_confirmed_visit_still_checks_it_in():
    assert states.NEXT_STATE[State.CONFIRMED] == State.CHECKED_IN


def test_the_owner_sees_the_no_show_with_a_link_and_another_customer_gets_404(
    client, doctor, customer, other_customer, at_eleven
):
    visit = confirmed_at_ten(customer)
    mark(visit, doctor)

    client.force_login(customer)
    listed = client.get(reverse("reservations:list")).content.decode()
    page = client.get(visit.get_absolute_url()).content.decode()
    client.force_login(other_customer)
    theirs = client.get(visit.get_absolute_url())

    assert 'data-state="no_show"' in listed
    assert 'data-testid="no-show"' in page
    assert f"/reservations/new/?pet={visit.pet_id}" in page
    assert theirs.status_code == 404


def test_the_desk_marks_no_shows_from_the_list_and_sees_the_owners_record(
    client, desk, customer, at_eleven
):
    earlier = make_visit(
        PetFactory(owner=customer),
        state=State.NO_SHOW,
        starts_at=today_at(9) - datetime.timedelta(days=7),
    )
    visit = confirmed_at_ten(customer)
    client.force_login(desk)

    client.post(
        CHANGELIST,
        {"action": "no_show", "_selected_action": [visit.pk]},
        follow=True,
    )
    page = client.get(
        reverse("admin:reservations_reservation_change", args=[earlier.pk])
    )

    visit.refresh_from_db()
    assert visit.state == State.NO_SHOW
    assert page.context["adminform"].form.instance == earlier
    assert "field-owner_no_shows" in page.content.decode()
    fields = {
        field.field["name"]: field.contents()
        for fieldset in page.context["adminform"]
        for line in fieldset
        for field in line
    }
    assert fields["owner_no_shows"] == "2"


def test_the_end_of_day_job_marks_the_confirmed_visits_of_past_days(
    customer, time_machine
):
    time_machine.move_to(today_at(0, 30), tick=False)
    yesterday = datetime.timedelta(days=1)
    missed = make_visit(
        PetFactory(owner=customer, name="Rex"),
        state=State.CONFIRMED,
        starts_at=today_at(10) - yesterday,
    )
    came = make_visit(
        PetFactory(owner=customer, name="Tom"),
        state=State.FINISHED,
        starts_at=today_at(11) - yesterday,
    )
    later_today = make_visit(
        PetFactory(owner=customer, name="Kiki"),
        state=State.CONFIRMED,
        starts_at=today_at(9),
    )

    result = mark_missed_visits.call()
    run_ready_tasks()

    assert result == {"marked": 1}
    missed.refresh_from_db()
    came.refresh_from_db()
    later_today.refresh_from_db()
    assert (missed.state, came.state, later_today.state) == (
        State.NO_SHOW,
        State.FINISHED,
        State.CONFIRMED,
    )
    event = missed.events.get()
    assert (event.actor, event.to_value) == (None, "no_show")
    assert [message.to for message in mail.outbox] == [[customer.email]]
    assert mark_missed_visits.call() == {"marked": 0}


def test_the_end_of_day_job_is_on_the_schedule():
    from core import schedule

    assert any(job.task is mark_missed_visits for job in schedule.jobs())
