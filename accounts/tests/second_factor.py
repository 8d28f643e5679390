"""Helpers for the two-factor tests: authenticators made as allauth makes
them, and the codes an authenticator app would show now."""

import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.urls import reverse

LOGIN_URL = reverse("account_login")
AUTHENTICATE_URL = reverse("mfa_authenticate")


# A code is made this long before its period ends at least (totp_code).
SAFE_SECONDS = 3


def totp_code(secret: str, *, periods_from_now: int = 0) -> str:
    """What an authenticator app shows for `secret` (allauth's own algorithm,
    RFC 6238: HMAC-SHA1 of the 30 s period's number)."""
    period = mfa_settings.TOTP_PERIOD
    # allauth accepts the current period's code only (no tolerance): a code
    # made in a period's last seconds may reach the server in the next one,
    # as a slow CI machine showed. Wait for the next period then (a frozen
    # clock's period never ends: its test loses those seconds, nothing more).
    left = period - time.time() % period
    if left < SAFE_SECONDS and periods_from_now == 0:
        time.sleep(left + 0.05)
    counter = int(time.time()) // period + periods_from_now
    return format_hotp_value(hotp_value(secret, counter))


def with_totp(user) -> str:
    """Give `user` an authenticator app; its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def with_recovery_codes(user) -> list[str]:
    return RecoveryCodes.activate(user).generate_codes()


def log_in_with_password(client, user, password):
    return client.post(LOGIN_URL, {"login": user.username, "password": password})
