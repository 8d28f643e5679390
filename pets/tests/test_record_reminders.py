"""Care reminders: three notices per due date, each once, one e-mail a day per
household, in the owner's language, nothing when switched off."""

import datetime
import zoneinfo
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import Notification
from core import schedule
from core.background import run_ready_tasks
from pets.models import CareItem, CareNotice
from pets.record import reminders
from pets.record.services import care_reminders_enabled, care_reminders_set
from pets.tests.factories import PetFactory
from pets.tests.record_factories import CareDoseFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
START = datetime.date(2026, 3, 1)


def run_on(day: datetime.date, hour=10):
    """The scheduled job at `hour` o'clock on `day`, then the worker."""
    moment = datetime.datetime.combine(day, datetime.time(hour), tzinfo=SHANGHAI)
    with time_machine.travel(moment, tick=False):
        summary = reminders.reminders_send()
        run_ready_tasks()
    return summary


def run_days(first: datetime.date, days: int) -> dict[datetime.date, list]:
    """Run the job on each day; the e-mails sent each day."""
    sent = {}
    for offset in range(days):
        day = first + datetime.timedelta(days=offset)
        before = len(mail.outbox)
        run_on(day)
        if len(mail.outbox) > before:
            sent[day] = mail.outbox[before:]
    return sent


def dose(pet, name, next_due, **fields):
    item = CareItem.objects.get(species=pet.species, name=name)
    given_on = next_due - datetime.timedelta(days=365)
    return CareDoseFactory(
        pet=pet, item=item, given_on=given_on, next_due=next_due, **fields
    )


def days(*offsets):
    return [START + datetime.timedelta(days=offset) for offset in offsets]


@pytest.mark.django_db
def test_a_due_date_gets_three_notices_on_the_right_days(pet, customer):
    due = START + datetime.timedelta(days=40)
    rabies = dose(pet, "Rabies", due)

    sent = run_days(START, 100)

    assert list(sent) == days(12, 40, 54)  # 4 weeks before, the day, 2 weeks after
    assert [len(messages) for messages in sent.values()] == [1, 1, 1]
    assert all(message.to == [customer.email] for m in sent.values() for message in m)
    notices = CareNotice.objects.filter(dose=rabies).order_by("sent_on")
    assert [(n.stage, n.sent_on) for n in notices] == [
        ("early", days(12)[0]),
        ("due", days(40)[0]),
        ("overdue", days(54)[0]),
    ]
    assert Notification.objects.filter(kind="care_reminder").count() == 3


@pytest.mark.django_db
def test_due_in_28_days_today_and_14_days_overdue_make_three_notices_in_one_email(
    pet, customer
):
    dose(pet, "Rabies", START + datetime.timedelta(days=28))
    dose(pet, "DHPP", START)
    other = PetFactory(owner=customer, name="Mimi", species="cat")
    dose(other, "FVRCP", START - datetime.timedelta(days=14))

    first = run_on(START)

    assert first == {"households": 1, "notices": 3, "failed": 0}
    [message] = mail.outbox
    body = message.body
    assert "Rex" in body
    assert "Mimi" in body
    assert "Rabies: due on" in body
    assert "DHPP: due today" in body
    assert "FVRCP: overdue since" in body
    assert sorted(CareNotice.objects.values_list("stage", flat=True)) == [
        "due",
        "early",
        "overdue",
    ]
    # The same day again, and the next: nothing more for these notices.
    assert run_on(START, hour=15)["notices"] == 0
    assert run_on(START + datetime.timedelta(days=1))["notices"] == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_never_two_emails_a_day_to_one_household(pet, customer):
    dose(pet, "Rabies", START + datetime.timedelta(days=28))
    run_on(START)  # the first e-mail of the day
    # A doctor records a dose due today meanwhile: its notice waits a day.
    late = dose(pet, "DHPP", START)

    run_on(START, hour=16)
    assert len(mail.outbox) == 1
    run_on(START + datetime.timedelta(days=1))

    assert len(mail.outbox) == 2
    assert "DHPP" in mail.outbox[1].body
    assert CareNotice.objects.get(dose=late).stage == "due"


@pytest.mark.django_db
def test_households_get_their_own_emails(pet, other_customer):
    dose(pet, "Rabies", START)
    dose(PetFactory(owner=other_customer, name="Tom"), "Rabies", START)

    run_on(START)

    assert sorted(m.to[0] for m in mail.outbox) == [
        "alice@example.com",
        "bob@example.com",
    ]


@pytest.mark.django_db
def test_nothing_when_the_owner_switched_reminders_off(pet, customer):
    care_reminders_set(owner=customer, enabled=False)
    dose(pet, "Rabies", START + datetime.timedelta(days=10))

    sent = run_days(START, 40)

    assert sent == {}
    assert not CareNotice.objects.exists()
    assert not Notification.objects.filter(kind="care_reminder").exists()


@pytest.mark.django_db
def test_nothing_for_archived_pets_or_superseded_doses(pet, customer, doctor):
    old = dose(pet, "Rabies", START)
    dose(pet, "Rabies", START + datetime.timedelta(days=300))  # given since
    archived = PetFactory(owner=customer, archived_at=START.isoformat() + "T00:00Z")
    dose(archived, "Rabies", START)

    run_on(START)

    assert mail.outbox == []
    assert not CareNotice.objects.filter(dose=old).exists()


@pytest.mark.django_db
def test_no_reminders_at_night(pet):
    dose(pet, "Rabies", START)

    assert run_on(START, hour=3)["notices"] == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_email_is_in_the_owners_language_with_a_prefilled_booking_link(
    pet, customer, settings
):
    settings.SITE_URL = "https://healingpaws.example"
    customer.preferred_language = "zh-hans"
    customer.save()
    dose(pet, "Rabies", START)

    run_on(START)

    [message] = mail.outbox
    assert "狂犬病疫苗" in message.body
    link = next(word for word in message.body.split() if "/reservations/new/" in word)
    query = parse_qs(urlsplit(link).query)
    assert link.startswith("https://healingpaws.example/reservations/new/?")
    assert query["pet"] == [str(pet.pk)]
    assert "狂犬病疫苗" in query["reason"][0]
    assert "https://healingpaws.example/pets/care-reminders/" in message.body
    notification = Notification.objects.get(kind="care_reminder")
    assert notification.text == "Preventive care is due for Rex."


@pytest.mark.django_db
def test_the_worker_runs_care_reminders_every_hour(pet, customer):
    job = {job.name: job for job in schedule.jobs()}[
        reminders.send_care_reminders.module_path
    ]
    assert job.period == datetime.timedelta(hours=1)
    dose(pet, "Rabies", START)

    moment = datetime.datetime.combine(START, datetime.time(11), tzinfo=SHANGHAI)
    with time_machine.travel(moment, tick=False):
        result = job.task.enqueue()
        run_ready_tasks()

    result.refresh()
    assert result.return_value == {"households": 1, "notices": 1, "failed": 0}
    assert [message.to for message in mail.outbox] == [[customer.email]]


# --- the switch ---------------------------------------------------------------------


@pytest.mark.django_db
def test_an_owner_switches_care_reminders_off_and_on(customer_client, customer):
    url = reverse("pets:care-reminders")
    assert customer_client.get(url).context["form"]["enabled"].value() is True

    customer_client.post(url, {})
    assert customer.care_reminder_setting.enabled is False
    assert customer_client.get(url).context["form"]["enabled"].value() is False

    response = customer_client.post(
        url, {"enabled": "on", "next": "/accounts/profile/"}
    )
    customer.care_reminder_setting.refresh_from_db()
    assert customer.care_reminder_setting.enabled is True
    assert response["Location"] == "/accounts/profile/"


@pytest.mark.django_db
def test_the_switch_never_sends_the_owner_elsewhere(customer_client):
    response = customer_client.post(
        reverse("pets:care-reminders"), {"next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("pets:care-reminders")


@pytest.mark.django_db
def test_the_switch_asks_to_sign_in(client):
    response = client.get(reverse("pets:care-reminders"))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_the_profiles_switch_shows_the_setting_and_comes_back(rf, customer):
    request = rf.get("/accounts/profile/")
    request.user = customer
    care_reminders_set(owner=customer, enabled=False)

    html = render_to_string(
        "pets/record/care_reminders_switch.html",
        {"user": customer, "request": request},
    )

    assert 'name="next" value="/accounts/profile/"' in html
    assert " checked" not in html
    assert reverse("pets:care-reminders") in html


@pytest.mark.django_db
def test_the_profile_page_offers_the_switch_and_it_turns_reminders_off(
    client, customer
):
    client.force_login(customer)
    page = client.get(reverse("accounts:profile"))
    assert b'data-testid="care-reminders-switch"' in page.content
    assert b'id="care-reminders-enabled" checked' in page.content

    response = client.post(
        reverse("pets:care-reminders"), {"next": reverse("accounts:profile")}
    )

    assert response["Location"] == reverse("accounts:profile")
    assert not care_reminders_enabled(owner=customer)
    page = client.get(reverse("accounts:profile"))
    assert b'id="care-reminders-enabled" checked' not in page.content


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_doctors_read_the_reminders_sent_in_constant_queries(
    doctor_client, customer, django_assert_num_queries, count
):
    for number in range(count):
        pet = PetFactory(owner=customer, name=f"Pet {number}")
        dose(pet, "Rabies", START)
    run_on(START)

    # The same number for 1 and 50 rows (the dashboard's own included, and
    # the access log's one INSERT of the pets shown; the doctor's groups and
    # permissions in one query: accounts.roles.load_roles).
    with django_assert_num_queries(7):
        response = doctor_client.get(reverse("admin:pets_carenotice_changelist"))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count
    assert "Pet 0" in response.content.decode()


@pytest.mark.django_db
def test_the_command_lists_in_a_dry_run_and_sends_otherwise(pet, capsys):
    dose(pet, "Rabies", START)
    moment = datetime.datetime.combine(START, datetime.time(10), tzinfo=SHANGHAI)

    with time_machine.travel(moment, tick=False):
        call_command("send_care_reminders", "--dry-run")
        assert not CareNotice.objects.exists()
        call_command("send_care_reminders")

    out = capsys.readouterr().out
    assert "Would send due notice to alice@example.com: Rex, Rabies" in out
    assert "Dry run: 1 notices to 1 households." in out
    assert "1 notices sent to 1 households, 0 failed" in out
    assert CareNotice.objects.get().stage == "due"
