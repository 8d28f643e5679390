"""Read-only links to a pet's record, for another vet: made by the owner,
expiring, revocable, and logged each time they are opened."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SHARE_MAX_DAYS = 30
RECIPIENT_MAX_LENGTH = 80


class RecordShareQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Neither revoked nor expired."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class RecordShare(models.Model):
    """A link to a pet's record. Only a hash of its token is kept: the link
    itself is shown once, to the owner who made it."""

    pet = models.ForeignKey(
        "pets.Pet",
        verbose_name=_("pet"),
        on_delete=models.CASCADE,
        related_name="shares",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # sha256 of the token, in hex: a leaked database gives no working link.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    recipient = models.CharField(
        _("for"),
        max_length=RECIPIENT_MAX_LENGTH,
        blank=True,
        help_text=_("Optional: who you give it to, e.g. the clinic's name."),
    )
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RecordShareQuerySet.as_manager()

    class Meta:
        verbose_name = _("record share link")
        verbose_name_plural = _("record share links")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_by", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="pets_recordshare_expires_after_created",
            ),
        ]

    def __str__(self):
        return f"{self.pet} · {self.expires_at:%Y-%m-%d}"

    def is_usable(self, now=None):
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class RecordShareOpen(models.Model):
    """One opening of a share link: when, and from which address."""

    share = models.ForeignKey(
        RecordShare,
        verbose_name=_("share link"),
        on_delete=models.CASCADE,
        related_name="opens",
    )
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("opening of a share link")
        verbose_name_plural = _("openings of share links")
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["share", "opened_at"])]

    def __str__(self):
        return f"{self.share_id} · {self.opened_at:%Y-%m-%d %H:%M}"
