"""Documents of a pet's record: vaccination certificates issued to the
owner, checked by anyone through their verification code."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

CODE_LENGTH = 12


class Certificate(models.Model):
    """A vaccination certificate as issued: what it listed is kept as it
    was (a snapshot), so its verification code always confirms the same
    doses, whatever is recorded later."""

    pet = models.ForeignKey(
        "pets.Pet",
        verbose_name=_("pet"),
        on_delete=models.CASCADE,
        related_name="certificates",
    )
    # Crockford base32, 60 random bits: not guessable, easy to read aloud.
    code = models.CharField(_("verification code"), max_length=CODE_LENGTH, unique=True)
    issued_on = models.DateField(_("issued on"))
    issued_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued to"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # [{"item", "item_zh_hans", "given_on", "batch", "vet", "next_due"}]
    items = models.JSONField(_("items"), default=list)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("vaccination certificate")
        verbose_name_plural = _("vaccination certificates")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.pet} · {self.display_code}"

    @property
    def display_code(self):
        """XXXX-XXXX-XXXX."""
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))


class DocumentKind(models.TextChoices):
    LAB = "lab", _("Lab results")
    IMAGING = "imaging", _("Imaging")
    REPORT = "report", _("Report or letter")
    OTHER = "other", _("Other")


class PetDocumentQuerySet(models.QuerySet):
    def visible_to_owner(self):
        return self.filter(visible_to_owner=True)


class PetDocument(models.Model):
    """A file a doctor attached to a pet's record: a PDF re-written without
    scripts, attachments or annotations, or an image re-encoded as WebP
    (pets.record.documents). Never the upload as sent."""

    pet = models.ForeignKey(
        "pets.Pet",
        verbose_name=_("pet"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=DocumentKind.choices, default=DocumentKind.LAB
    )
    title = models.CharField(_("title"), max_length=120)
    # Under a random name; served only by pets.record.document_views.
    file = models.FileField(_("file"), upload_to="documents/")
    content_type = models.CharField(max_length=40, editable=False)
    size = models.PositiveIntegerField(_("size"), editable=False)
    visible_to_owner = models.BooleanField(
        _("visible to owner"),
        default=True,
        help_text=_("Unticked, only doctors see it."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attached by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("attached"), auto_now_add=True)

    objects = PetDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["pet", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(content_type__in=["application/pdf", "image/webp"]),
                name="pets_petdocument_safe_type",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def extension(self):
        return "pdf" if self.content_type == "application/pdf" else "webp"

    @property
    def download_name(self):
        """An ASCII file name every browser keeps: date, title, id."""
        title = slugify(self.title) or "document"
        return f"{self.created_at:%Y-%m-%d}-{title}-{self.pk}.{self.extension}"


BUNDLE_KEEP = datetime.timedelta(days=7)


class RecordBundleQuerySet(models.QuerySet):
    def expired(self, now):
        return self.filter(created_at__lt=now - BUNDLE_KEEP)


class RecordBundle(models.Model):
    """A ZIP of a pet's record too large to build during a request: built by
    a worker, offered to the owner for BUNDLE_KEEP, then deleted."""

    pet = models.ForeignKey(
        "pets.Pet",
        verbose_name=_("pet"),
        on_delete=models.CASCADE,
        related_name="bundles",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    file = models.FileField(upload_to="bundles/", blank=True)
    built_at = models.DateTimeField(_("built"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)

    objects = RecordBundleQuerySet.as_manager()

    class Meta:
        verbose_name = _("record download")
        verbose_name_plural = _("record downloads")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.pet} · {self.created_at:%Y-%m-%d}"

    @property
    def expires_at(self):
        return self.created_at + BUNDLE_KEEP
