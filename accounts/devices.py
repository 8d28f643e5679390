"""An e-mail when an account signs in from a device it has not used before.

A device is a browser: each one keeps a signed cookie naming the accounts
that signed in on it (a year; the last few accounts). A sign-in whose browser
does not name the account sends the e-mail, in the account's language
(accounts.adapter.AccountAdapter.send_mail), and adds it. An account's first
sign-in ever (the one after the signup's confirmation, a new doctor's first)
has no device to be new to, and sends nothing. Clearing cookies makes a
browser new again: one e-mail too many rather than one too few.

The owners' app (allauth's headless app client) keeps no cookie, and sends
nothing else that names the phone: without more, every app sign-in would be
"new". Its device is the pair of its User-Agent and IP address, which the
cache remembers per account for APP_DEVICE_SECONDS after its last sign-in.
The same phone on another network is told again (one e-mail too many); the
same app on another phone behind the same address is not (the password and
any second factor still stand; the sessions page lists it).
"""

import hashlib
import logging

from allauth.account.adapter import get_adapter
from allauth.account.signals import user_logged_in
from allauth.headless.constants import Client
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.dispatch import receiver
from django.urls import reverse

COOKIE_NAME = "healingpaws_devices"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60
COOKIE_SALT = "accounts.devices"
# Accounts a browser remembers (a shared family computer has a few).
REMEMBERED_ACCOUNTS = 10
TEMPLATE_PREFIX = "account/email/new_device"
APP_DEVICE_SECONDS = 90 * 24 * 60 * 60

logger = logging.getLogger("healingpaws.accounts")


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
    if _from_the_app(request):
        _tell_of_new_app_device(request, user)
        return
    known = known_accounts(request)
    if user.pk in known:
        return
    if not _first_sign_in(request):
        _send_new_device_mail(request, user)
    if response is not None:
        _remember(response, [*known, user.pk][-REMEMBERED_ACCOUNTS:])


def _first_sign_in(request) -> bool:
    return getattr(request, "healingpaws_first_sign_in", False)


def _from_the_app(request) -> bool:
    headless = getattr(getattr(request, "allauth", None), "headless", None)
    return getattr(headless, "client", None) == Client.APP


def _app_device_key(request, user) -> str:
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    ip = get_adapter(request).get_client_ip(request)
    device = hashlib.sha256(f"{user_agent}\n{ip}".encode()).hexdigest()
    return f"accounts.devices.app:{user.pk}:{device}"


def _tell_of_new_app_device(request, user):
    key = _app_device_key(request, user)
    try:
        # add() is atomic: of two sign-ins at once from a new device, one tells.
        new = cache.add(key, True, APP_DEVICE_SECONDS)
        if not new:
            cache.touch(key, APP_DEVICE_SECONDS)
    except Exception:
        # The cache away (Redis down) fails no sign-in: the device counts as
        # new, one e-mail too many rather than one too few.
        logger.warning("app device of user %s not checked", user.pk, exc_info=True)
        new = True
    if new and not _first_sign_in(request):
        _send_new_device_mail(request, user)


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
