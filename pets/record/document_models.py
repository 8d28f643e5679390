"""Documents of a pet's record: vaccination certificates issued to the
owner, checked by anyone through their verification code."""

from django.conf import settings
from django.db import models
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
