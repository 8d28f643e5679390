"""An e-mail when an account signs in from a device it has not used before.

A device is a browser: each one keeps a signed cookie naming the accounts
that signed in on it (a year; the last few accounts). A sign-in whose browser
does not name the account sends the e-mail, in the account's language
(accounts.adapter.AccountAdapter.send_mail), and adds it. An account's first
sign-in ever (the one after the signup's confirmation, a new doctor's first)
has no device to be new to, and sends nothing. Clearing cookies makes a
browser new again: one e-mail too many rather than one too few.
"""

from allauth.account.adapter import get_adapter
from allauth.account.signals import user_logged_in
from django.conf import settings
from django.core import signing
from django.dispatch import receiver
from django.urls import reverse

COOKIE_NAME = "healingpaws_devices"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60
COOKIE_SALT = "accounts.devices"
# Accounts a browser remembers (a shared family computer has a few).
REMEMBERED_ACCOUNTS = 10
TEMPLATE_PREFIX = "account/email/new_device"


def known_accounts(request) -> list[int]:
    try:
        value = signing.loads(request.COOKIES.get(COOKIE_NAME, ""), salt=COOKIE_SALT)
    except signing.BadSignature:
        return []
    return (
        [pk for pk in value if isinstance(pk, int)] if isinstance(value, list) else []
    )


@receiver(user_logged_in, dispatch_uid="accounts.devices.new_device")
def tell_of_new_device(sender, request, user, response=None, **kwargs):
    if request is None:
        return
    known = known_accounts(request)
    if user.pk in known:
        return
    if not getattr(request, "healingpaws_first_sign_in", False):
        _send_new_device_mail(request, user)
    if response is not None:
        _remember(response, [*known, user.pk][-REMEMBERED_ACCOUNTS:])


def _send_new_device_mail(request, user):
    get_adapter(request).send_notification_mail(
        TEMPLATE_PREFIX,
        user,
        # The template names the device from allauth's "user_agent", in
        # the account's language.
        {"sessions_url": request.build_absolute_uri(reverse("usersessions_list"))},
    )


def _remember(response, accounts):
    response.set_cookie(
        COOKIE_NAME,
        signing.dumps(accounts, salt=COOKIE_SALT),
        max_age=COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
