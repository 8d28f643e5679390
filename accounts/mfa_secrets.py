"""Second-factor secrets at rest: the authenticator apps' keys and the
recovery codes' seed are stored encrypted (allauth's MFA adapter hooks,
accounts.second_factor.MFAAdapter), so a copy of the database (a backup, a
read-only leak, an operator browsing rows) cannot mint sign-in codes.

Fernet (the `cryptography` package, which allauth's security keys need
already) with a key derived from SECRET_KEY; SECRET_KEY_FALLBACKS still read,
so rotating SECRET_KEY the Django way (the old one moves to the fallbacks)
keeps every second factor working. A value without the prefix was stored
before encryption and is read as it is.
"""

import base64

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

PREFIX = "fernet:"
KEY_SALT = "healingpaws.accounts.mfa_secrets"


def _fernet_key(secret_key: str) -> bytes:
    digest = salted_hmac(KEY_SALT, "", secret=secret_key, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest)


def _box() -> MultiFernet:
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet([Fernet(_fernet_key(key)) for key in keys])


def secret_encrypt(text: str) -> str:
    return PREFIX + _box().encrypt(text.encode()).decode("ascii")


def secret_decrypt(stored: str) -> str:
    """The secret; raises cryptography.fernet.InvalidToken when no key of
    SECRET_KEY and SECRET_KEY_FALLBACKS made it."""
    if not stored.startswith(PREFIX):
        return stored  # stored before secrets were encrypted
    return _box().decrypt(stored.removeprefix(PREFIX).encode("ascii")).decode()
