"""Reminders: one per confirmed visit, handed to the queue by the scheduled
job (or the command); run_ready_tasks() is the worker delivering them."""

import datetime
import threading
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.db import DatabaseError, connections
from django.utils import timezone

from core import schedule
from core.background import run_ready_tasks
from core.mail import QueuedEmailBackend
from core.tests.databases import only_on_postgresql
from core.tests.mail import ACCEPTING, REFUSING, retries_due
from pets.models import Species
from pets.tests.factories import PetFactory
from reservations.models import Reservation, State
from reservations.reminders import (
    MAX_FAILURES,
    REMINDER_EVERY,
    reminders_send,
    send_due_reminders,
)
from reservations.tests.factories import make_visit

# A fixed "now" keeps the 24-hour window away from midnight and opening hours.
NOW = datetime.datetime(2030, 3, 4, 9, 0, tzinfo=datetime.UTC)  # 17:00 in Shanghai


def hours_from_now(hours):
    return NOW + datetime.timedelta(hours=hours)


@pytest.fixture
def visit(customer):
    pet = PetFactory(owner=customer, name="Biscuit")
    return make_visit(pet, starts_at=hours_from_now(17), state=State.CONFIRMED)


def handover_fails(*args, **kwargs):
    # The mail server's refusals no longer reach the reminder (the e-mail's
    # task retries them); what can fail is writing that task.
    raise DatabaseError("could not write the e-mail's task")


fail_handover = mock.patch.object(QueuedEmailBackend, "send_messages", handover_fails)


@pytest.mark.django_db
def test_a_confirmed_visit_within_a_day_gets_one_reminder_across_two_runs(visit):
    first = reminders_send(now=NOW)
    second = reminders_send(now=NOW + datetime.timedelta(hours=1))
    run_ready_tasks()

    assert [v.pk for v in first.sent] == [visit.pk]
    assert second.sent == []
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [visit.pet.owner.email]
    visit.refresh_from_db()
    assert visit.reminder_sent_at is not None


@pytest.mark.django_db
def test_the_reminder_names_the_pet_the_local_time_and_links_the_visit(visit, settings):
    settings.SITE_URL = "https://healingpaws.example"

    reminders_send(now=NOW)
    run_ready_tasks()

    message = mail.outbox[0]
    assert "Biscuit" in message.subject
    # 17 hours after 17:00 Shanghai time is 10:00 the next morning, local time.
    assert "March 5, 2030, 10 a.m." in message.body
    assert "Tuesday" in message.body
    assert f"https://healingpaws.example/reservations/{visit.pk}/" in message.body
    assert "a lead" in message.body  # Biscuit is a dog
    assert "&#x27;" not in message.body  # plain text, not HTML-escaped


@pytest.mark.django_db
def test_the_reminder_gives_the_emergency_line_with_its_come_in_now(visit, settings):
    settings.HOSPITAL_EMERGENCY_PHONE = "+86 21 6666 0120"

    reminders_send(now=NOW)
    run_ready_tasks()

    body = mail.outbox[0].body
    assert "come to the hospital now" in body
    assert "+86 21 6666 0120" in body


@pytest.mark.django_db
def test_a_cat_owner_is_asked_to_bring_a_carrier(customer):
    cat = PetFactory(owner=customer, species=Species.CAT)
    make_visit(cat, starts_at=hours_from_now(3), state=State.CONFIRMED)

    reminders_send(now=NOW)
    run_ready_tasks()

    assert "carrier" in mail.outbox[0].body
    assert "a lead" not in mail.outbox[0].body


@pytest.mark.django_db
def test_only_confirmed_visits_starting_within_a_day_are_reminded(customer):
    def visit_of(name, hours, state):
        pet = PetFactory(owner=customer, name=name)
        return make_visit(pet, starts_at=hours_from_now(hours), state=state)

    due = visit_of("Due", 23.5, State.CONFIRMED)
    visit_of("Requested", 2, State.REQUESTED)
    visit_of("Cancelled", 2, State.CANCELLED)
    visit_of("Checked in", 2, State.CHECKED_IN)
    visit_of("Later", 24.5, State.CONFIRMED)
    visit_of("Past", -1, State.CONFIRMED)

    summary = reminders_send(now=NOW)
    run_ready_tasks()

    assert [v.pk for v in summary.sent] == [due.pk]
    assert [m.subject for m in mail.outbox] == [mail.outbox[0].subject]
    assert "Due" in mail.outbox[0].subject
    assert set(
        Reservation.objects.filter(reminder_sent_at__isnull=False).values_list(
            "pet__name", flat=True
        )
    ) == {"Due"}


@pytest.mark.django_db
def test_a_failed_send_is_recorded_then_retried_and_sent_on_the_next_run(visit):
    with fail_handover:
        failed = reminders_send(now=NOW)
    run_ready_tasks()

    visit.refresh_from_db()
    assert [v.pk for v in failed.failed] == [visit.pk]
    assert failed.sent == []
    assert visit.reminder_sent_at is None
    assert visit.reminder_failures == 1
    assert visit.reminder_error.startswith("DatabaseError: could not write")
    assert mail.outbox == []

    retried = reminders_send(now=NOW + datetime.timedelta(hours=1))
    run_ready_tasks()

    visit.refresh_from_db()
    assert [v.pk for v in retried.sent] == [visit.pk]
    assert visit.reminder_sent_at is not None
    assert visit.reminder_error == ""
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_reminder_that_keeps_failing_is_given_up_and_then_skipped(visit):
    with fail_handover:
        runs = [reminders_send(now=NOW) for _ in range(MAX_FAILURES)]
    after = reminders_send(now=NOW)
    run_ready_tasks()

    assert [len(run.failed) for run in runs] == [1] * (MAX_FAILURES - 1) + [0]
    assert [v.pk for v in runs[-1].gave_up] == [visit.pk]
    assert after.sent == []
    assert [v.pk for v in after.skipped] == [visit.pk]
    assert mail.outbox == []
    visit.refresh_from_db()
    assert visit.reminder_failures == MAX_FAILURES
    assert visit.reminder_sent_at is None


@pytest.mark.django_db
def test_one_failing_reminder_does_not_stop_the_others(customer):
    first = make_visit(
        PetFactory(owner=customer), starts_at=hours_from_now(2), state=State.CONFIRMED
    )
    second = make_visit(
        PetFactory(owner=customer), starts_at=hours_from_now(3), state=State.CONFIRMED
    )
    real_handover = QueuedEmailBackend.send_messages

    def refuse_the_first(backend, messages):
        if first.pet.name in messages[0].subject:
            handover_fails()
        return real_handover(backend, messages)

    with mock.patch.object(QueuedEmailBackend, "send_messages", refuse_the_first):
        summary = reminders_send(now=NOW)

    assert [v.pk for v in summary.failed] == [first.pk]
    assert [v.pk for v in summary.sent] == [second.pk]


@pytest.mark.django_db
def test_a_refusing_mail_server_delays_the_reminder_which_is_still_sent_once(
    visit, settings
):
    settings.EMAIL_DELIVERY_BACKEND = REFUSING

    first = reminders_send(now=NOW)
    run_ready_tasks()

    # Handed over, so marked sent: the e-mail's task retries the server.
    visit.refresh_from_db()
    assert [v.pk for v in first.sent] == [visit.pk]
    assert visit.reminder_sent_at is not None
    assert visit.reminder_failures == 0
    assert mail.outbox == []

    settings.EMAIL_DELIVERY_BACKEND = ACCEPTING
    second = reminders_send(now=NOW + datetime.timedelta(hours=1))
    for _later in range(2):
        retries_due()
        run_ready_tasks()

    assert second.sent == []
    [message] = mail.outbox
    assert "Biscuit" in message.subject


@pytest.mark.django_db
def test_the_worker_runs_the_reminders_every_hour(customer):
    job = {job.name: job for job in schedule.jobs()}[send_due_reminders.module_path]
    assert job.period == REMINDER_EVERY == datetime.timedelta(hours=1)
    soon = make_visit(
        PetFactory(owner=customer, name="Biscuit"),
        starts_at=timezone.now() + datetime.timedelta(hours=3),
        state=State.CONFIRMED,
    )

    result = job.task.enqueue()
    run_ready_tasks()

    result.refresh()
    assert result.return_value == {"sent": 1, "failed": 0, "gave_up": 0, "skipped": 0}
    assert [message.to for message in mail.outbox] == [[soon.pet.owner.email]]


@pytest.mark.django_db
def test_a_dry_run_lists_the_reminders_and_sends_and_changes_nothing(visit):
    before = Reservation.objects.values().get(pk=visit.pk)

    summary = reminders_send(now=NOW, dry_run=True)
    run_ready_tasks()

    assert summary.dry_run
    assert [v.pk for v in summary.sent] == [visit.pk]
    assert mail.outbox == []
    assert Reservation.objects.values().get(pk=visit.pk) == before


@pytest.mark.django_db
def test_the_reminder_is_in_the_owners_language(customer, other_customer):
    other_customer.preferred_language = "zh-hans"
    other_customer.save()
    make_visit(
        PetFactory(owner=customer, name="Biscuit"),
        starts_at=hours_from_now(17),
        state=State.CONFIRMED,
    )
    make_visit(
        PetFactory(owner=other_customer, name="团子"),
        starts_at=hours_from_now(18),
        state=State.CONFIRMED,
    )

    reminders_send(now=NOW)
    run_ready_tasks()

    english, chinese = sorted(mail.outbox, key=lambda m: m.to != [customer.email])
    assert english.subject.startswith("[Healing Paws]")
    assert "March 5, 2030" in english.body
    # Chinese names for the hospital and the weekday, and the Chinese date format.
    assert chinese.subject.startswith("[愈爪宠物医院]")
    assert "2030年3月5日 11:00" in chinese.body
    assert "星期二" in chinese.body


@pytest.mark.django_db
def test_the_command_sends_and_prints_a_summary(visit, capsys):
    with mock.patch("reservations.reminders.timezone.now", return_value=NOW):
        call_command("send_reminders")
    run_ready_tasks()

    out = capsys.readouterr().out
    assert f"Sent       visit #{visit.pk} Biscuit 2030-03-05 10:00" in out
    assert "Reminders: 1 sent, 0 failed, 0 gave up, 0 skipped." in out
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_command_reports_failures(visit, capsys):
    with (
        mock.patch("reservations.reminders.timezone.now", return_value=NOW),
        fail_handover,
    ):
        call_command("send_reminders")

    out = capsys.readouterr().out
    assert f"Failed     visit #{visit.pk} Biscuit" in out
    assert f"attempt 1 of {MAX_FAILURES}, retried next run: DatabaseError" in out
    assert "Reminders: 0 sent, 1 failed, 0 gave up, 0 skipped." in out


@pytest.mark.django_db
def test_the_command_dry_run_says_what_it_would_send(visit, capsys):
    with mock.patch("reservations.reminders.timezone.now", return_value=NOW):
        call_command("send_reminders", "--dry-run")
    run_ready_tasks()

    out = capsys.readouterr().out
    assert f"Would send visit #{visit.pk} Biscuit" in out
    assert "Dry run, nothing sent or changed: 1 to send" in out
    assert mail.outbox == []


def test_the_command_explains_itself_in_help(capsys):
    with pytest.raises(SystemExit):
        call_command("send_reminders", "--help")

    out = capsys.readouterr().out
    assert "confirmed visit starting in the next 24 hours" in out
    assert "--dry-run" in out


requires_postgresql = only_on_postgresql(
    "SQLite has no row locks; overlapping runs are only safe on PostgreSQL"
)


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_reminder_once(customer):
    for hours in range(1, 7):
        make_visit(
            PetFactory(owner=customer),
            starts_at=hours_from_now(hours),
            state=State.CONFIRMED,
        )
    start = threading.Barrier(2)
    summaries = []
    real_send = EmailMessage.send

    def slow_send(message, *args, **kwargs):
        # Give the other run time to reach the rows this one holds.
        threading.Event().wait(0.05)
        return real_send(message, *args, **kwargs)

    def run():
        try:
            start.wait()
            summaries.append(reminders_send(now=NOW))
        finally:
            connections.close_all()

    with mock.patch.object(EmailMessage, "send", slow_send):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    run_ready_tasks()

    assert len(mail.outbox) == 6
    assert sum(len(s.sent) for s in summaries) == 6
    assert Reservation.objects.filter(reminder_sent_at__isnull=True).count() == 0
