"""Accounts the front desk made for a walk-in, and nobody has claimed yet.

The desk types a new customer's e-mail address at the counter (issue 16's
walk-in intake): until its owner proves it is theirs, a typo would send a
pet's visit news to a stranger. So an account that has neither a password of
its own nor a verified address gets no e-mail about pets or visits (they stay
on the site, where only the owner can read them once signed in); it gets one
claim invitation instead, which says nothing about the pet. Following its
link sets a password and verifies the address (allauth's password reset by
key), and from then on the e-mails flow.

allauth's password reset verifies no address by itself; here, resetting the
password of an account with a single address does (the key went to that
address and nowhere else).
"""

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.signals import password_reset
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import EmailMessage
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext


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


def claim_url(user) -> str:
    """allauth's "set a new password" page for this account: a link valid
    for PASSWORD_RESET_TIMEOUT, whose use verifies the address."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return settings.SITE_URL + path


def claim_invitation_send(*, user) -> None:
    """Invite the owner of an unclaimed account's address to claim it, in
    the account's language (the e-mail queue sends it once the caller's
    transaction commits). It names no pet: whoever reads it may not be the
    customer the desk meant."""
    if not user.email:
        return
    # Greeted by the address, not by the name the desk typed.
    context = {"email": user.email, "claim_url": claim_url(user)}
    with translation.override(user.preferred_language):
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
