"""The claim code of a walk-in's account: the second fact before it is claimed.

The claim invitation (accounts/unclaimed.py) goes to the address the desk
typed; a typo's owner would read it. So claiming also asks a short code that
the desk hands (or prints) to the customer at the counter, and that no e-mail
ever contains. It is shown once, stored as a keyed hash, allows a few wrong
tries, and expires with the invitation's link; the desk can issue a new one
(which also ends the old link).
"""

import datetime
import secrets

from django.db import models, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

# No 0/O, 1/I/L: read aloud or copied from paper, every character is one.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
# A walk-in may read the e-mail days later: the link and the code last a week.
CLAIM_LIFETIME = datetime.timedelta(days=7)
# Wrong codes allowed per issued code (31**8 codes: guessing is hopeless).
MAX_ATTEMPTS = 5

CLAIM_CODE_WRONG_ERROR = _(
    "This claim code is not right. Check the code the front desk gave you."
)
CLAIM_CODE_LOCKED_ERROR = _(
    "Too many wrong claim codes: ask our front desk for a new code."
)
CLAIM_CODE_EXPIRED_ERROR = _(
    "This claim code has expired: ask our front desk for a new code."
)


class ClaimCode(models.Model):
    """The pending claim of an unclaimed account (one at a time)."""

    user = models.OneToOneField(
        "accounts.User", on_delete=models.CASCADE, related_name="claim_code"
    )
    # HMAC with SECRET_KEY: a copy of the database alone does not give codes.
    code_hash = models.CharField(max_length=64)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("claim code")
        verbose_name_plural = _("claim codes")

    def __str__(self):
        return f"{self.user} · {self.expires_at:%Y-%m-%d}"

    @property
    def expired(self) -> bool:
        return timezone.now() >= self.expires_at


def _digest(user_pk: int, code: str) -> str:
    return salted_hmac(
        "accounts.claim_codes.code", f"{user_pk}:{code}", algorithm="sha256"
    ).hexdigest()


def code_normalise(code: str) -> str:
    """As typed (any case, spaces or dash) to the stored alphabet's form."""
    return "".join(char for char in code.upper() if char.isalnum())


def claim_code_issue(*, user) -> str:
    """A new code for `user` (replacing any earlier one, and so the earlier
    invitation's link): returned once, formatted for reading, never stored."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    now = timezone.now()
    ClaimCode.objects.update_or_create(
        user=user,
        defaults={
            "code_hash": _digest(user.pk, code),
            "issued_at": now,
            "expires_at": now + CLAIM_LIFETIME,
            "failed_attempts": 0,
        },
    )
    return f"{code[:4]}-{code[4:]}"


def claim_code_spend(*, user, code: str) -> str:
    """Check `code` against the account's: "" when right, else the error
    to show. A wrong code uses one of MAX_ATTEMPTS (counted under a row lock,
    so parallel tries cannot go past it); the caller deletes the row once
    the account is claimed, in the same transaction."""
    with transaction.atomic():
        claim = ClaimCode.objects.select_for_update().filter(user=user).first()
        if claim is None or claim.expired:
            return str(CLAIM_CODE_EXPIRED_ERROR)
        if claim.failed_attempts >= MAX_ATTEMPTS:
            return str(CLAIM_CODE_LOCKED_ERROR)
        if constant_time_compare(
            claim.code_hash, _digest(user.pk, code_normalise(code))
        ):
            return ""
        claim.failed_attempts += 1
        claim.save(update_fields=["failed_attempts"])
        if claim.failed_attempts >= MAX_ATTEMPTS:
            return str(CLAIM_CODE_LOCKED_ERROR)
        return str(CLAIM_CODE_WRONG_ERROR)
