"""The front desk's note on a check-in or a no-show is the hospital's own
(who came in, who could not be reached): kept on the visit's history for the
staff, never e-mailed to the owner nor shown on their pages or export. Other
notes (a doctor's on a change, a cancellation's reason) still reach them."""

import pytest
from django.core import mail
from django.urls import reverse

from core.background import run_ready_tasks
from pets.tests.factories import PetFactory
from reservations import services
from reservations.admin.forms import FRONT_DESK_NOTE_HELP
from reservations.models import State
from reservations.personal_data import export
from reservations.tests.factories import make_front_desk, make_visit, today_at

pytestmark = pytest.mark.django_db

DESK_NOTE = "Owner seemed upset about the bill"


@pytest.fixture
def desk(db):
    return make_front_desk(username="reception")


@pytest.fixture
def at_eleven(time_machine):
    time_machine.move_to(today_at(11), tick=False)


@pytest.fixture
def visit(customer):
    return make_visit(
        PetFactory(owner=customer, name="Rex"),
        state=State.CONFIRMED,
        starts_at=today_at(10),
    )


def _owners_e_mail():
    run_ready_tasks()
    (message,) = mail.outbox
    mail.outbox.clear()
    return message.subject + message.body


@pytest.mark.parametrize("to_state", [State.CHECKED_IN, State.NO_SHOW])
def test_the_desks_note_stays_with_the_staff(
    client, desk, doctor, customer, visit, at_eleven, to_state
):
    services.reservation_transition(
        reservation=visit, to_state=to_state, by=desk, note=DESK_NOTE
    )

    e_mail = _owners_e_mail()
    client.force_login(customer)
    page = client.get(visit.get_absolute_url()).content.decode()
    exported = str(export(customer))
    client.force_login(doctor)
    admin_page = client.get(
        reverse("admin:reservations_reservation_change", args=[visit.pk])
    ).content.decode()

    assert visit.events.get().note == DESK_NOTE  # on the record
    assert "Rex" in e_mail  # the owner still hears of the change
    assert DESK_NOTE not in e_mail
    assert DESK_NOTE not in page
    assert DESK_NOTE not in exported
    assert DESK_NOTE in admin_page


def test_a_doctors_note_and_a_cancellations_reason_still_reach_the_owner(
    client, doctor, customer, visit, at_eleven
):
    services.reservation_transition(
        reservation=visit, to_state=State.CHECKED_IN, by=doctor
    )
    _owners_e_mail()
    services.reservation_transition(
        reservation=visit,
        to_state=State.CANCELLED,
        by=doctor,
        note="The doctor on duty is ill, sorry",
    )

    e_mail = _owners_e_mail()
    client.force_login(customer)
    page = client.get(visit.get_absolute_url()).content.decode()

    assert "The doctor on duty is ill, sorry" in e_mail
    assert "The doctor on duty is ill, sorry" in page


def test_the_desks_form_says_the_note_is_for_the_staff(client, desk, visit):
    client.force_login(desk)

    page = client.get(
        reverse("admin:reservations_reservation_change", args=[visit.pk])
    ).content.decode()

    assert str(FRONT_DESK_NOTE_HELP) in page
