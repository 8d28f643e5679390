"""Owners hear about every change to their visits, in their own language.

Each change's e-mail is a task written with the change; run_ready_tasks() is
the worker sending it."""

import contextlib

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core.background import failed_tasks, run_ready_tasks
from core.tests.mail import ACCEPTING, REFUSING, retries_due
from pets.tests.factories import PetFactory
from reservations.models import State
from reservations.services import reservation_transition, reservation_triage
from reservations.tests.factories import book, tomorrow_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(customer):
    booked = book(PetFactory(owner=customer, name="Salt & Pepper"))
    run_ready_tasks()  # its booking's e-mail went out before the test
    mail.outbox.clear()
    return booked


def test_each_change_is_mailed_to_the_owner_after_commit(
    visit, doctor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reservation_triage(reservation=visit, triage="emergency", by=doctor)
        reservation_transition(
            reservation=visit, to_state=State.CONFIRMED, by=doctor, note="See you."
        )
    assert mail.outbox == []  # nobody waits for the mail server
    run_ready_tasks()

    triaged, confirmed = mail.outbox
    assert triaged.to == [visit.pet.owner.email]
    assert "triaged: Emergency" in triaged.subject
    assert "Salt & Pepper's visit: Confirmed" in confirmed.subject
    assert "See you." in confirmed.body
    assert "http://testserver" not in confirmed.body
    assert visit.get_absolute_url() in confirmed.body


def test_the_mail_speaks_the_owners_language(
    visit, doctor, django_capture_on_commit_callbacks
):
    owner = visit.pet.owner
    owner.preferred_language = "zh-hans"
    owner.save()
    with translation.override("zh-hans"):
        brand = translation.gettext("Healing Paws")
    assert brand != "Healing Paws"

    with django_capture_on_commit_callbacks(execute=True):
        reservation_transition(reservation=visit, to_state=State.CONFIRMED, by=doctor)
    run_ready_tasks()

    assert mail.outbox[0].subject.startswith(f"[{brand}]")
    assert translation.get_language() == "en"


class _RolledBack(Exception):
    pass


def test_nothing_is_mailed_when_the_change_is_rolled_back(
    visit, doctor, django_capture_on_commit_callbacks
):
    # The change itself succeeds (and registers its mail); what surrounds it
    # then fails, and the whole transaction is undone.
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        contextlib.suppress(_RolledBack),
        transaction.atomic(),
    ):
        reservation_transition(reservation=visit, to_state=State.CONFIRMED, by=doctor)
        raise _RolledBack
    assert callbacks == []
    assert run_ready_tasks() == 0  # no e-mail's task was left behind
    assert mail.outbox == []
    visit.refresh_from_db()
    assert visit.state == State.REQUESTED


def test_a_refused_send_is_logged_and_the_change_stands(
    visit, doctor, django_capture_on_commit_callbacks, caplog, settings
):
    settings.EMAIL_DELIVERY_BACKEND = REFUSING
    with django_capture_on_commit_callbacks(execute=True):
        reservation_transition(reservation=visit, to_state=State.CONFIRMED, by=doctor)
        run_ready_tasks()

    visit.refresh_from_db()
    assert visit.state == State.CONFIRMED
    assert "not sent" in caplog.text
    # Not lost: the worker tries again later.
    assert failed_tasks().count() == 0
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1


def test_a_change_made_while_the_mail_server_refuses_is_mailed_once_it_is_back(
    visit, doctor, settings
):
    settings.EMAIL_DELIVERY_BACKEND = REFUSING
    reservation_transition(reservation=visit, to_state=State.CONFIRMED, by=doctor)
    run_ready_tasks()
    assert mail.outbox == []

    settings.EMAIL_DELIVERY_BACKEND = ACCEPTING
    for _later in range(2):
        retries_due()
        run_ready_tasks()

    [message] = mail.outbox
    assert "Salt & Pepper's visit: Confirmed" in message.subject


def test_the_mail_of_a_visit_deleted_meanwhile_is_dropped_quietly(visit, doctor):
    reservation_transition(reservation=visit, to_state=State.CONFIRMED, by=doctor)
    visit.delete()

    run_ready_tasks()

    assert mail.outbox == []
    assert failed_tasks().count() == 0
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()


def test_a_booking_with_a_red_flag_says_come_in_now(
    customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book(PetFactory(owner=customer), starts_at=tomorrow_at(12), heavy_bleeding=True)
    run_ready_tasks()

    assert "come to the hospital now" in mail.outbox[0].body


def test_an_afternoon_time_ends_no_sentence_with_a_double_full_stop(
    customer, django_capture_on_commit_callbacks
):
    # English times end with a full stop ("3 p.m."): "p.m.." if a sentence
    # ends right after one.
    with django_capture_on_commit_callbacks(execute=True):
        book(PetFactory(owner=customer), starts_at=tomorrow_at(15))
    run_ready_tasks()

    body = mail.outbox[0].body
    assert "3 p.m." in body
    assert "p.m.." not in body


def test_the_visit_link_starts_with_site_url(
    visit, doctor, settings, django_capture_on_commit_callbacks
):
    # The worker sends these outside any request: SITE_URL is the only source.
    settings.SITE_URL = "https://vet.example:8443"

    with django_capture_on_commit_callbacks(execute=True):
        reservation_transition(reservation=visit, to_state=State.CONFIRMED, by=doctor)
    run_ready_tasks()

    link = f"https://vet.example:8443{visit.get_absolute_url()}"
    assert link in mail.outbox[0].body.splitlines()
