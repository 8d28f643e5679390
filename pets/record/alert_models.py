"""Patient alerts: what every doctor must see before touching the pet."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.page_parts import PETS, PagePartsQuerySet

ALERT_TEXT_MAX_LENGTH = 200


class AlertKind(models.TextChoices):
    ALLERGY = "allergy", _("Allergy")
    AGGRESSIVE = "aggressive", _("Aggressive")
    CHRONIC = "chronic", _("Chronic condition")
    INTERACTION = "interaction", _("Medication interaction")
    OTHER = "other", _("Other")


class PatientAlertQuerySet(PagePartsQuerySet):
    def page_part_generations(self):
        return [PETS]  # the dashboard's lists show the alerts

    def active(self):
        return self.filter(cleared_at__isnull=True)


class PatientAlert(models.Model):
    """Set by a doctor, shown as a coloured banner on the pet's admin page
    until a doctor clears it (kept, with who cleared it when)."""

    pet = models.ForeignKey(
        "pets.Pet",
        verbose_name=_("pet"),
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    text = models.CharField(_("alert"), max_length=ALERT_TEXT_MAX_LENGTH)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(pgettext_lazy("alert", "set"), auto_now_add=True)
    cleared_at = models.DateTimeField(
        pgettext_lazy("alert", "cleared"), null=True, blank=True
    )
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cleared by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = PatientAlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("patient alert")
        verbose_name_plural = _("patient alerts")
        ordering = ["kind", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""), name="pets_patientalert_text_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AlertKind.values),
                name="pets_patientalert_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text}"
