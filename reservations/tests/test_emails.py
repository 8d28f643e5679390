"""Owners hear about every change to their visits, in their own language."""

import contextlib
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation

from pets.tests.factories import PetFactory
from reservations.models import State
from reservations.services import reservation_transition, reservation_triage
from reservations.tests.factories import book, tomorrow_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(customer):
    return book(PetFactory(owner=customer, name="Salt & Pepper"))


def test_each_change_is_mailed_to_the_owner_after_commit(
    visit, doctor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reservation_triage(reservation=visit, triage="emergency", by=doctor)
        reservation_transition(
            reservation=visit, to_state=State.CONFIRMED, by=doctor, note="See you."
        )

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
    assert mail.outbox == []
    visit.refresh_from_db()
    assert visit.state == State.REQUESTED


def test_a_refused_send_is_logged_and_the_change_stands(
    visit, doctor, django_capture_on_commit_callbacks, caplog
):
    with (
        mock.patch(
            "django.core.mail.EmailMessage.send",
            side_effect=smtplib.SMTPException("server away"),
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reservation_transition(reservation=visit, to_state=State.CONFIRMED, by=doctor)

    visit.refresh_from_db()
    assert visit.state == State.CONFIRMED
    assert "not sent" in caplog.text


def test_a_booking_with_a_red_flag_says_come_in_now(
    customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book(PetFactory(owner=customer), starts_at=tomorrow_at(12), heavy_bleeding=True)

    assert "come to the hospital now" in mail.outbox[0].body


def test_an_afternoon_time_ends_no_sentence_with_a_double_full_stop(
    customer, django_capture_on_commit_callbacks
):
    # English times end with a full stop ("3 p.m."): "p.m.." if a sentence
    # ends right after one.
    with django_capture_on_commit_callbacks(execute=True):
        book(PetFactory(owner=customer), starts_at=tomorrow_at(15))

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

    link = f"https://vet.example:8443{visit.get_absolute_url()}"
    assert link in mail.outbox[0].body.splitlines()
