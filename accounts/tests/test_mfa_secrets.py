"""Second-factor secrets are stored encrypted, and survive a SECRET_KEY
rotation made the Django way."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from cryptography.fernet import InvalidToken
from django.contrib.auth import SESSION_KEY

from accounts.mfa_secrets import secret_decrypt, secret_encrypt
from accounts.tests.second_factor import (
    AUTHENTICATE_URL,
    log_in_with_password,
    totp_code,
    with_recovery_codes,
    with_totp,
)

pytestmark = pytest.mark.django_db


def test_the_authenticator_apps_key_and_the_recovery_seed_are_not_stored_in_clear(
    doctor,
):
    secret = with_totp(doctor)
    codes = with_recovery_codes(doctor)

    stored = {a.type: a.data for a in Authenticator.objects.filter(user=doctor)}
    totp_stored = stored[Authenticator.Type.TOTP]["secret"]
    seed_stored = stored[Authenticator.Type.RECOVERY_CODES]["seed"]
    assert secret not in totp_stored
    assert totp_stored.startswith("fernet:")
    assert seed_stored.startswith("fernet:")
    recovery = Authenticator.objects.get(
        user=doctor, type=Authenticator.Type.RECOVERY_CODES
    )
    assert RecoveryCodes(recovery).get_unused_codes() == codes


def test_a_rotated_secret_key_in_the_fallbacks_still_signs_in(
    client, doctor, password, settings
):
    secret = with_totp(doctor)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40

    log_in_with_password(client, doctor, password)
    response = client.post(AUTHENTICATE_URL, {"code": totp_code(secret)})

    assert client.session[SESSION_KEY] == str(doctor.pk), response


def test_a_secret_of_another_key_is_refused_and_a_clear_one_read_as_it_is(settings):
    stored = secret_encrypt("JBSWY3DPEHPK3PXP")
    settings.SECRET_KEY = "another-key-" + "y" * 40
    settings.SECRET_KEY_FALLBACKS = []

    with pytest.raises(InvalidToken):
        secret_decrypt(stored)
    assert secret_decrypt("JBSWY3DPEHPK3PXP") == "JBSWY3DPEHPK3PXP"
