"""Accounts the front desk made for a walk-in, and nobody has claimed yet.

The desk types a new customer's e-mail address at the counter (issue 16's
walk-in intake): until its owner proves it is theirs, a typo would send a
pet's visit news to a stranger. So an account that has neither a password of
its own nor a verified address gets no e-mail about pets or visits (they stay
on the site, where only the owner can read them once signed in); it gets one
claim invitation instead, which says nothing about the pet. Its link leads
to the claim page (accounts/claim_views.py), which asks the claim code the
desk handed to the customer (accounts/claim_codes.py: the mailbox alone is
not proof, a typo's owner has it) and a password; that verifies the address,
and from then on the e-mails flow. The link lasts as long as the code
(CLAIM_LIFETIME, a week, not the two hours of a password reset).

allauth's password reset never claims such an account: its keys are refused
for it (accounts/reset_tokens.py, web and app alike), and "Forgot password" sends
the claim invitation again instead (accounts.forms.ResetPasswordForm).
allauth's password reset verifies no address by itself; here, resetting the
password of an account with a single address does (the key went to that
address and nowhere else).
"""

from allauth.account.models import EmailAddress
from allauth.account.signals import password_reset
from allauth.account.utils import url_str_to_user_pk, user_pk_to_url_str
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext

from .claim_codes import ClaimCode, claim_code_spend


def is_unclaimed(user) -> bool:
    """Nobody has signed in as this account nor proved its address: no
    usable password (signing up gives one; the desk's accounts have none)
    and no verified address (a query only for such accounts)."""
    if user.has_usable_password():
        return False
    return not EmailAddress.objects.filter(
        user=user, email__iexact=user.email, verified=True
    ).exists()


def may_email(user) -> bool:
    """Whether e-mails about the customer's pets and visits may go to
    user.email: an address, and an account somebody has claimed."""
    return bool(user.email) and not is_unclaimed(user)


def _claim_token(user, claim: ClaimCode) -> str:
    # Dies once used (the password changes), when the desk issues a new
    # code (its hash) and when the address changes.
    value = f"{user.pk}|{user.password}|{claim.code_hash}|{user.email}"
    digest = salted_hmac("accounts.unclaimed.claim", value, algorithm="sha256")
    return digest.hexdigest()[:32]


def pending_claim(user) -> ClaimCode | None:
    """The account's claim code, if it is unclaimed and has one in force."""
    claim = ClaimCode.objects.filter(user=user).first()
    if claim is None or claim.expired or not is_unclaimed(user):
        return None
    return claim


def claim_user(uidb36: str, token: str):
    """The unclaimed account this claim link is for, or None (wrong, used,
    replaced or expired)."""
    from .models import User

    try:
        user = User.objects.get(pk=url_str_to_user_pk(uidb36))
    except (ValueError, User.DoesNotExist):
        return None
    claim = pending_claim(user)
    if claim is None or not constant_time_compare(token, _claim_token(user, claim)):
        return None
    return user


def claim_url(user, claim: ClaimCode) -> str:
    """The claim page for this account, until claim.expires_at."""
    path = reverse(
        "accounts:claim",
        kwargs={"uidb36": user_pk_to_url_str(user), "token": _claim_token(user, claim)},
    )
    return settings.SITE_URL + path


def account_claim(*, user, code: str, password: str) -> str:
    """Claim `user` with the desk's `code`: set `password` and verify the
    address. Returns "" when done, else the error to show (nothing changed
    but the count of wrong codes)."""
    error = claim_code_spend(user=user, code=code)
    if error:
        return error
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        EmailAddress.objects.filter(user=user, email__iexact=user.email).update(
            verified=True
        )
        ClaimCode.objects.filter(user=user).delete()
    return ""


def claim_invitation_send(*, user) -> None:
    """Invite the owner of an unclaimed account's address to claim it, in
    the account's language (the e-mail queue sends it once the caller's
    transaction commits). It names no pet: whoever reads it may not be the
    customer the desk meant."""
    if not user.email:
        return
    claim = pending_claim(user)
    # Greeted by the address, not by the name the desk typed. The code is
    # never in it: it comes from the desk. Without a code in force (expired,
    # used up) it says to ask the desk for a new one.
    context = {"email": user.email}
    with translation.override(user.preferred_language):
        if claim is not None:
            context["claim_url"] = claim_url(user, claim)
            context["deadline"] = formats.date_format(
                timezone.localtime(claim.expires_at), "DATETIME_FORMAT"
            )
        subject = render_to_string(
            "account/email/claim_invitation_subject.txt", context
        )
        subject = f"[{gettext('Healing Paws')}] {' '.join(subject.split())}"
        body = render_to_string("account/email/claim_invitation_message.txt", context)
    EmailMessage(subject, body, to=[user.email]).send()


@receiver(password_reset, dispatch_uid="accounts.unclaimed.verify_on_reset")
def verify_the_only_address_on_reset(sender, request, user, **kwargs):
    """A password reset by key proves the address the key was sent to; with
    one address only, that one (with several, allauth does not say which)."""
    addresses = list(EmailAddress.objects.filter(user=user)[:2])
    if len(addresses) == 1 and not addresses[0].verified:
        addresses[0].verified = True
        addresses[0].save(update_fields=["verified"])
