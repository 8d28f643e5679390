"""The maximum wait of each triage band (issue 16). Imported by models.py
(Django's models module), kept apart so that neither passes 400 lines."""

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.page_parts import PagePartsQuerySet

from . import states
from .states import Triage


def _band_label(band):
    return Triage(band).label if band in Triage.values else str(band or "")


class MaxWait(models.Model):
    """How long a checked-in visit of a band may wait before the dashboard
    turns it red and alerts the doctors; one row per band, kept in the admin."""

    band = models.CharField(
        _("band"),
        max_length=12,
        unique=True,
        choices=[(band.value, band.label) for band in states.ORDERED_BANDS],
    )
    minutes = models.PositiveSmallIntegerField(
        _("maximum wait (minutes)"),
        validators=[MinValueValidator(1), MaxValueValidator(480)],
        help_text=_("From check-in until a doctor starts the treatment."),
    )

    # Its update() draws the kept parts showing visits afresh.
    objects = PagePartsQuerySet.as_manager()

    class Meta:
        verbose_name = _("maximum wait")
        verbose_name_plural = _("maximum waits")
        ordering = ["band"]

    def __str__(self):
        return str(_band_label(self.band))

    @property
    def limit(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.minutes)
