"""Closing an account: asked for after the password again, cancellable for
14 days, then every personal string of the customer is gone from the
database while the pets' medical record stays."""

import datetime
import os

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from asgiref.sync import sync_to_async
from django.apps import apps
from django.core import mail
from django.core.files.storage import FileSystemStorage
from django.db import connection, models
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts import account_data
from accounts.closure import (
    GRACE_DAYS,
    account_erase,
    close_due_accounts,
    closure_request,
)
from accounts.models import AccountClosure, Notification, User
from accounts.tests.factories import PASSWORD, DoctorFactory, UserFactory
from accounts.tests.personal_data_seed import seed_customer
from accounts.tests.sockets import closed_with, connected, nothing_but_presence
from consultation.models import Message
from core.background import run_ready_tasks
from core.sockets import CLOSE_SESSION_ENDED
from pets.models import Certificate, DoctorNote, Pet
from reservations.models import Reservation, ReservationEvent

pytestmark = pytest.mark.django_db

# File names too (FileField and ImageField keep them as text): no row may
# still name a file of the erased account, nor a name it chose.
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.FileField)


def _rows_holding(text):
    """Every (model, field) whose value somewhere contains `text`."""
    found = []
    # (A model whose migration is still being written has no table yet.)
    tables = set(connection.introspection.table_names())
    for model in apps.get_models(include_auto_created=True):
        if model._meta.db_table not in tables:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, TEXT_FIELDS):
                continue
            rows = model._default_manager.all()
            if isinstance(field, models.JSONField):
                rows = rows.alias(as_text=Cast(field.name, models.TextField())).filter(
                    as_text__icontains=text
                )
            else:
                rows = rows.filter(**{f"{field.name}__icontains": text})
            if rows.exists():
                found.append(f"{model._meta.label}.{field.name}")
    return found


def _reauthenticated(client, user):
    client.force_login(user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    return client


@pytest.fixture
def seeded():
    doctor = DoctorFactory()
    seeded = seed_customer("alpha", doctor=doctor), seed_customer("beta", doctor=doctor)
    return seeded


def test_closing_asks_for_the_password_again(client, seeded):
    alpha, _beta = seeded
    client.force_login(alpha.user)
    response = client.get(reverse("accounts:close"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(reverse("accounts:close"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not AccountClosure.objects.exists()


def test_a_customer_asks_to_close_and_is_signed_out_and_told_by_e_mail(client, seeded):
    alpha, _beta = seeded
    _reauthenticated(client, alpha.user)
    page = client.get(reverse("accounts:close"))
    assert "14 days" in page.text
    run_ready_tasks()
    mail.outbox.clear()

    response = client.post(reverse("accounts:close"), follow=True)

    closure = AccountClosure.objects.get(user=alpha.user)
    grace = closure.erase_after - closure.requested_at
    assert abs(grace - datetime.timedelta(days=GRACE_DAYS)).total_seconds() < 1
    assert "Your account will be closed on" in response.text
    assert not response.context["user"].is_authenticated
    assert not UserSession.objects.filter(user=alpha.user).exists()
    run_ready_tasks()
    [message] = mail.outbox
    assert message.to == ["owner.alpha@example.com"]
    assert "Sign in before then and cancel" in message.body


def test_signing_in_during_the_grace_period_offers_to_cancel(client, seeded):
    alpha, _beta = seeded
    closure_request(user=alpha.user)
    response = client.post(
        reverse("account_login"),
        {"login": alpha.user.username, "password": PASSWORD},
        follow=True,
    )
    assert "To keep it, cancel the closure on your profile" in response.text
    profile = client.get(reverse("accounts:profile"))
    assert 'data-testid="closure-pending"' in profile.text

    client.post(reverse("accounts:close-cancel"))

    assert not AccountClosure.objects.exists()
    later = timezone.now() + datetime.timedelta(days=GRACE_DAYS + 1)
    with time_machine.travel(later, tick=False):
        assert close_due_accounts.call() == 0
    alpha.user.refresh_from_db()
    assert alpha.user.email == "owner.alpha@example.com"


def test_nothing_is_erased_before_the_grace_period_ends(seeded):
    alpha, _beta = seeded
    closure_request(user=alpha.user)
    later = timezone.now() + datetime.timedelta(days=GRACE_DAYS - 1)
    with time_machine.travel(later, tick=False):
        assert close_due_accounts.call() == 0
    assert User.objects.get(pk=alpha.user.pk).username == "owner_alpha"


def test_after_the_grace_period_no_personal_string_is_left_but_the_record_is(
    client, seeded, monkeypatch, django_capture_on_commit_callbacks
):
    alpha, beta = seeded
    user = alpha.user
    closed_sockets = []
    monkeypatch.setattr(account_data, "user_sockets_close", closed_sockets.append)
    # A signed-in device and an authenticator app, to be forgotten too.
    client.force_login(user)
    client.get(reverse("accounts:profile"))
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    closure_request(user=user)
    run_ready_tasks()  # e-mails sent still wait in the queue's history
    files = [user.avatar.path, alpha.photo_message.photo.path, alpha.pet.photo.path]
    personal = [
        user.username,
        user.email,
        user.display_name,
        user.phone,
        alpha.texts["chat"],
        # Their files' names (random, but no row may still point at them).
        user.avatar.name,
        user.avatar_thumbnail.name,
        alpha.photo_message.photo.name,
        alpha.pet.photo.name,
    ]
    for text in personal:
        assert _rows_holding(text), text  # the search does find them before

    later = timezone.now() + datetime.timedelta(days=GRACE_DAYS, minutes=1)
    with (
        time_machine.travel(later, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert close_due_accounts.call() == 1

    for text in personal:
        assert _rows_holding(text) == [], text
    # The medical record stays, attached to the anonymised owner.
    pet = Pet.objects.get(pk=alpha.pet.pk)
    assert pet.owner_id == user.pk
    assert pet.is_archived
    assert DoctorNote.objects.filter(pet=pet).count() == 2
    assert Reservation.objects.filter(pet=pet).count() == 1
    assert ReservationEvent.objects.filter(reservation__pet=pet).exists()
    assert Message.objects.filter(text=alpha.texts["reply"]).exists()
    user.refresh_from_db()
    assert user.username == f"deleted_{user.pk}"
    assert not user.is_active
    assert not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Notification.objects.filter(recipient=user).exists()
    assert not UserSession.objects.filter(user=user).exists()
    assert not Authenticator.objects.filter(user=user).exists()
    assert AccountClosure.objects.get(user=user).erased_at is not None
    assert _rows_holding(alpha.texts["share_for"]) == []
    assert Certificate.objects.filter(pet=pet).exists()
    assert closed_sockets == [user.pk]
    for path in files:
        assert not os.path.exists(path)
    # The other customer keeps everything.
    for text in beta.texts.values():
        assert _rows_holding(text), text
    # And the account can never sign in again, by any name.
    client.logout()
    for login in [user.username, "owner_alpha", "owner.alpha@example.com"]:
        client.post(reverse("account_login"), {"login": login, "password": PASSWORD})
        assert "_auth_user_id" not in client.session


def test_the_ongoing_booking_of_a_closed_account_is_cancelled(seeded):
    alpha, _beta = seeded
    closure_request(user=alpha.user)
    later = timezone.now() + datetime.timedelta(days=GRACE_DAYS, minutes=1)
    with time_machine.travel(later, tick=False):
        close_due_accounts.call()
    visit = Reservation.objects.get(pk=alpha.visit.pk)
    assert visit.state == "cancelled"
    assert visit.cancel_reason == "The owner closed their account."


def test_the_erasure_holds_when_the_disk_refuses_to_delete_the_files(
    seeded, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    alpha, _beta = seeded

    def refuse(storage, name):
        raise PermissionError(f"cannot delete {name}")

    monkeypatch.setattr(FileSystemStorage, "delete", refuse)
    photo = alpha.pet.photo.name
    closure_request(user=alpha.user)
    later = timezone.now() + datetime.timedelta(days=GRACE_DAYS, minutes=1)
    with (
        time_machine.travel(later, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert close_due_accounts.call() == 1

    # Erased all the same; the leftover files are logged for the operator.
    assert _rows_holding(alpha.user.email) == []
    assert Pet.objects.get(pk=alpha.pet.pk).photo.name == ""
    assert f"could not delete {photo}" in caplog.text


def test_staff_cannot_close_their_account_from_the_profile(client):
    doctor = DoctorFactory()
    _reauthenticated(client, doctor)
    response = client.post(reverse("accounts:close"), follow=True)
    assert "closed by an operator" in response.text
    assert not AccountClosure.objects.exists()


def test_operators_see_pending_closures_read_only(client, seeded):
    alpha, _beta = seeded
    closure_request(user=alpha.user)
    operator = User.objects.create_superuser("root", "root@example.com", "x" * 14)
    client.force_login(operator)
    changelist = reverse("admin:accounts_accountclosure_changelist")
    response = client.get(changelist)
    assert response.status_code == 200
    assert "Owner Alpha Lin" in response.text
    assert reverse("admin:accounts_accountclosure_add") not in response.text
    assert client.get(reverse("admin:accounts_accountclosure_add")).status_code == 403


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_erasure_closes_the_accounts_open_sockets(customer, other_customer):
    mine, _greetings = await connected("/ws/notifications/", customer)
    theirs, _greetings = await connected("/ws/notifications/", other_customer)

    await sync_to_async(account_erase)(user=customer)

    assert await closed_with(mine) == CLOSE_SESSION_ENDED
    assert await nothing_but_presence(theirs)
    await theirs.disconnect()


def test_the_erasure_forgets_the_queued_mail_to_the_account_only():
    li = UserFactory(username="li", email="li@example.com")
    UserFactory(username="bli", email="bli@example.com")
    mail.send_mail("Hello", "For Li", None, ["li@example.com"])
    mail.send_mail("Hello", "For Bli", None, ["bli@example.com"])

    account_erase(user=li)

    assert _rows_holding("For Li") == []
    assert [
        row.args_kwargs["args"][0]["body"] for row in DBTaskResult.objects.all()
    ] == ["For Bli"]
