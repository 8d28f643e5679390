"""Weights and medications on a pet's record."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import MAX_WEIGHT_KG, MIN_WEIGHT_KG, WEIGHT_RANGE_ERROR


class WeightSource(models.TextChoices):
    DOCTOR = "doctor", _("Weighed at the hospital")
    OWNER = "owner", _("Reported by the owner")


class WeightEntry(models.Model):
    """A weighing: by a doctor, or by the owner at home (marked so)."""

    pet = models.ForeignKey(
        "pets.Pet",
        verbose_name=_("pet"),
        on_delete=models.CASCADE,
        related_name="weights",
    )
    weighed_on = models.DateField(_("date"), default=timezone.localdate)
    weight_kg = models.DecimalField(
        _("weight (kg)"),
        max_digits=6,
        decimal_places=2,
        validators=[
            MinValueValidator(MIN_WEIGHT_KG, message=WEIGHT_RANGE_ERROR),
            MaxValueValidator(MAX_WEIGHT_KG, message=WEIGHT_RANGE_ERROR),
        ],
    )
    source = models.CharField(_("source"), max_length=8, choices=WeightSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("weight")
        verbose_name_plural = _("weight history")
        ordering = ["weighed_on", "pk"]
        indexes = [models.Index(fields=["pet", "weighed_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_kg__gte=MIN_WEIGHT_KG, weight_kg__lte=MAX_WEIGHT_KG),
                name="pets_weightentry_weight_in_range",
            ),
            models.CheckConstraint(
                condition=Q(source__in=WeightSource.values),
                name="pets_weightentry_source_valid",
            ),
        ]

    def __str__(self):
        return f"{self.weight_display} kg · {self.weighed_on:%Y-%m-%d}"

    @property
    def weight_display(self):
        return f"{self.weight_kg.normalize():f}"

    @property
    def owner_reported(self):
        return self.source == WeightSource.OWNER
