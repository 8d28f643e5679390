"""A walk-in's new customer, with the e-mail address the desk typed: until
somebody claims the account (and so proves the address), no e-mail about the
pet goes there, only an invitation to claim it (accounts/unclaimed.py)."""

import datetime
import re

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from accounts.unclaimed import is_unclaimed, may_email
from core.background import run_ready_tasks
from core.tests.mail import sent_mail
from pets.models import CareItem
from pets.record import reminders
from pets.tests.factories import PetFactory
from pets.tests.record_factories import CareDoseFactory
from reservations import services
from reservations.models import State, Triage
from reservations.tests.factories import make_front_desk, today_at

pytestmark = pytest.mark.django_db


def _new_walk_in(email="fang@example.com"):
    return services.walk_in_register(
        by=make_front_desk(username="reception"),
        reason="Sneezing.",
        triage=Triage.STANDARD,
        customer_name="Wang Fang",
        customer_phone="138 0013 8000",
        customer_email=email,
        pet_name="Doudou",
        pet_species="cat",
    )


def test_an_unclaimed_address_gets_the_invitation_only_and_no_visit_news(
    doctor, at_ten
):
    visit = _new_walk_in()
    (invitation,) = sent_mail()

    services.reservation_transition(
        reservation=visit, to_state=State.IN_TREATMENT, by=doctor
    )

    assert invitation.to == ["fang@example.com"]
    assert "Your account at the hospital is ready" in invitation.subject
    text = invitation.subject + invitation.body
    # Whoever reads it may not be the customer: no pet, no name, no visit.
    assert "Doudou" not in text
    assert "Wang Fang" not in text
    assert "/accounts/claim/" in invitation.body
    # Nor the claim code: that comes from the desk (accounts/claim_codes.py).
    assert visit.new_claim_code not in text
    assert visit.new_claim_code.replace("-", "") not in text
    assert sent_mail() == []
    assert is_unclaimed(visit.pet.owner)
    assert not may_email(visit.pet.owner)


def test_once_claimed_through_the_invitation_the_visit_e_mails_flow(
    client, doctor, at_ten
):
    visit = _new_walk_in()
    (invitation,) = sent_mail()
    link = re.search(r"https?://\S+/accounts/claim/\S+", invitation.body)

    password = "a long new password 42"
    done = client.post(
        link.group(0),
        {
            "claim_code": visit.new_claim_code,  # from the desk
            "password1": password,
            "password2": password,
        },
    )
    sent_mail()
    services.reservation_transition(
        reservation=visit, to_state=State.IN_TREATMENT, by=doctor
    )

    assert done.status_code == 302
    owner = visit.pet.owner
    owner.refresh_from_db()
    assert owner.has_usable_password()
    assert EmailAddress.objects.get(user=owner).verified
    assert may_email(owner)
    (news,) = sent_mail()
    assert news.to == ["fang@example.com"]
    assert "Doudou" in news.subject + news.body


def test_an_address_verified_another_way_gets_the_visit_news(doctor, at_ten):
    visit = _new_walk_in()
    sent_mail()
    EmailAddress.objects.filter(user=visit.pet.owner).update(verified=True)

    services.reservation_transition(
        reservation=visit, to_state=State.IN_TREATMENT, by=doctor
    )

    assert [message.to for message in sent_mail()] == [["fang@example.com"]]


def test_a_customer_who_signed_up_is_e_mailed_about_a_walk_in_as_before(at_ten):
    customer = UserFactory(email="alice@example.com")
    services.walk_in_register(
        by=make_front_desk(username="reception"),
        pet=PetFactory(owner=customer, name="Rex"),
        reason="Cut paw.",
        triage=Triage.STANDARD,
    )

    (news,) = sent_mail()
    assert news.to == ["alice@example.com"]
    assert "Rex" in news.subject + news.body


def test_an_unclaimed_account_gets_no_care_reminder_e_mail_but_the_notification():
    with time_machine.travel(today_at(10, 10), tick=False):
        pet = _new_walk_in().pet
    sent_mail()
    item = CareItem.objects.filter(species=pet.species).first()
    due = today_at(12).date() + datetime.timedelta(days=60)
    CareDoseFactory(
        pet=pet, item=item, given_on=due - datetime.timedelta(days=365), next_due=due
    )

    with time_machine.travel(today_at(12) + datetime.timedelta(days=60), tick=False):
        summary = reminders.reminders_send()
        run_ready_tasks()

    assert summary["households"] == 1
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=pet.owner).exists()
