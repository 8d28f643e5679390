"""Closing an account: asked for on the profile (after the password again),
done after GRACE_DAYS unless the customer signs in and cancels.

When the grace period ends the hourly job close_due_accounts erases the
account's personal data through every app's part (accounts/personal_data.py,
higher apps first, accounts last), in one transaction per account: names,
addresses, phone, avatar, the customer's messages, notifications, sessions
and second factors go; pets, visits, doctors' notes and the record stay,
attached to the anonymised account, which can never sign in again.
"""

import datetime
import logging

from allauth.account.signals import user_logged_in
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from .models import AccountClosure, User
from .personal_data import providers
from .second_factor import is_staff_account

logger = logging.getLogger("healingpaws.accounts")

GRACE_DAYS = 14
STAFF_CLOSURE_ERROR = _(
    "Hospital staff accounts are closed by an operator, not from the profile."
)


def closure_request(*, user: User) -> AccountClosure:
    """Ask to close the account (once: asking again keeps the first date).
    The customer is told by e-mail when, and how to cancel."""
    if is_staff_account(user):
        raise ValidationError(STAFF_CLOSURE_ERROR, code="staff")
    with transaction.atomic():
        closure, created = AccountClosure.objects.get_or_create(
            user=user,
            defaults={
                "erase_after": timezone.now() + datetime.timedelta(days=GRACE_DAYS)
            },
        )
        if created:
            _mail_requested(closure)
    return closure


def closure_cancel(*, user: User) -> bool:
    """Keep the account after all; whether a closure was pending."""
    deleted, _by_model = AccountClosure.objects.pending().filter(user=user).delete()
    return bool(deleted)


def pending_closure(user) -> AccountClosure | None:
    if not user.is_authenticated:
        return None
    return AccountClosure.objects.pending().filter(user=user).first()


def account_erase(*, user: User) -> None:
    """Erase the account's personal data now (each app's part)."""
    with transaction.atomic():
        for provider in reversed(providers()):
            provider.erase(user)
        AccountClosure.objects.filter(user=user).update(erased_at=timezone.now())


@task()
def close_due_accounts() -> int:
    """The hourly job: erase the accounts whose grace period is over."""
    closed = 0
    for closure in AccountClosure.objects.due(timezone.now()).select_related("user"):
        try:
            account_erase(user=closure.user)
        except Exception:
            # One account's failure must not keep the others open; it is
            # tried again at the next run.
            logger.exception("account %s not erased", closure.user_id)
            continue
        closed += 1
    return closed


def _mail_requested(closure):
    user = closure.user
    with translation.override(user.preferred_language):
        context = {
            "user": user,
            "erase_after": timezone.localtime(closure.erase_after),
            "url": settings.SITE_URL + reverse("accounts:profile"),
        }
        subject = render_to_string(
            "accounts/email/closure_requested_subject.txt", context
        )
        subject = f"[{gettext('Healing Paws')}] {' '.join(subject.split())}"
        body = render_to_string("accounts/email/closure_requested_message.txt", context)
    send_mail(subject, body, None, [user.email])


@receiver(user_logged_in, dispatch_uid="accounts.closure.remind_on_login")
def remind_on_login(sender, request, user, **kwargs):
    closure = pending_closure(user)
    if request is not None and closure is not None:
        messages.warning(
            request,
            gettext(
                "Your account will be closed on %(day)s. To keep it, cancel "
                "the closure on your profile."
            )
            % {
                "day": formats.date_format(
                    timezone.localtime(closure.erase_after), "DATETIME_FORMAT"
                )
            },
        )
