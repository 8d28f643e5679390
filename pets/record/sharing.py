"""Share links to a pet's record: made and revoked by the owner, opened by
anyone who has the link (another vet), never by guessing it."""

import datetime
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from ..models import Pet
from .share_models import (
    RECIPIENT_MAX_LENGTH,
    SHARE_MAX_DAYS,
    RecordShare,
    RecordShareOpen,
)

# Enough links for any real need, too few to mint them in bulk.
SHARES_PER_HOUR = 10
SHARE_DAYS_ERROR = _("A link lasts from 1 to %(max)d days.")
SHARE_RATE_ERROR = _(
    "You have made %(count)d links in the last hour; please wait a little."
)
SHARE_ARCHIVED_ERROR = _("An archived pet's record cannot be shared.")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def share_create(
    *, pet: Pet, by: User, days: int, recipient: str = ""
) -> tuple[RecordShare, str]:
    """Make a link valid for `days` days; returns it with its token, which
    is not stored and cannot be shown again."""
    if not 1 <= days <= SHARE_MAX_DAYS:
        error = ValidationError(SHARE_DAYS_ERROR, params={"max": SHARE_MAX_DAYS})
        raise ValidationError({"days": error})
    if pet.is_archived:
        raise ValidationError(SHARE_ARCHIVED_ERROR)
    # The owner's row lock makes the count exact under concurrent requests.
    User.objects.select_for_update().get(pk=by.pk)
    now = timezone.now()
    recent = RecordShare.objects.filter(
        created_by=by, created_at__gt=now - datetime.timedelta(hours=1)
    ).count()
    if recent >= SHARES_PER_HOUR:
        raise ValidationError(SHARE_RATE_ERROR, params={"count": recent})
    token = secrets.token_urlsafe(32)
    share = RecordShare(
        pet=pet,
        created_by=by,
        token_hash=token_hash(token),
        recipient=recipient.strip()[:RECIPIENT_MAX_LENGTH],
        expires_at=now + datetime.timedelta(days=days),
    )
    share.save()
    return share, token


def share_revoke(*, share: RecordShare) -> RecordShare:
    """Stop the link working at once (already revoked: unchanged)."""
    if share.revoked_at is None:
        share.revoked_at = timezone.now()
        share.save(update_fields=["revoked_at"])
    return share


OPEN_LOGGED_ONCE_PER = datetime.timedelta(hours=1)


def share_open(*, token: str, ip_address: str | None) -> RecordShare | None:
    """The usable share for `token`, its opening logged; None for a token
    that is unknown, revoked or expired."""
    if not token or len(token) > 100:
        return None
    share = (
        RecordShare.objects.usable()
        .select_related("pet", "pet__owner")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if share is None:
        return None
    # One row per address an hour: the owner learns who looked and when; a
    # script reloading the page must not fill the table (nor the owner's list).
    seen = share.opens.filter(
        ip_address=ip_address or None,
        opened_at__gte=timezone.now() - OPEN_LOGGED_ONCE_PER,
    )
    if not seen.exists():
        RecordShareOpen.objects.create(share=share, ip_address=ip_address or None)
    return share
