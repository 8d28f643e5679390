"""Visit types (issue 16): what a visit is for and how many consecutive slots
(places) it takes. Imported by models.py, kept apart so that neither passes
400 lines.

A type's name is data typed by doctors in the admin, not a catalog string: the
site has exactly two languages (settings.LANGUAGES), so a type carries its
English name and an optional Chinese one, shown on Chinese pages and falling
back to the English name when left empty (no translation library for five
rows).

Lengths are counted in slot units (ClinicSettings.slot_minutes): a slot is a
doctor's place, the smallest thing the hospital books, so a visit shorter than
a slot still takes a whole one, and a longer one the next places too (rounded
up, so that the doctor's next visit is never cut short).
"""

import math

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.page_parts import PagePartsQuerySet

# The longest visit, in slots: a day of 30-minute slots holds far fewer.
MAX_SLOT_UNITS = 16


def slot_units_for(minutes: int, slot_minutes: int) -> int:
    """How many slots a visit of `minutes` takes: at least one, rounded up."""
    return max(1, math.ceil(minutes / slot_minutes))


class VisitTypeQuerySet(PagePartsQuerySet):
    def active(self):
        return self.filter(active=True)

    def online(self):
        """What owners may choose on the booking page."""
        return self.filter(active=True, online=True)


class VisitType(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    name_zh = models.CharField(
        _("Chinese name"),
        max_length=60,
        blank=True,
        help_text=_("Shown on Chinese pages; the name above when left empty."),
    )
    slot_units = models.PositiveSmallIntegerField(
        _("length (slots)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SLOT_UNITS)],
        help_text=_(
            "How many consecutive slots the visit takes. A visit shorter than "
            "a slot still takes a whole one."
        ),
    )
    online = models.BooleanField(
        _("owners may book it online"),
        default=True,
        help_text=_("Otherwise only the hospital's staff book it."),
    )
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive types are offered to nobody; their visits keep them."),
    )
    position = models.PositiveSmallIntegerField(
        _("order"),
        default=0,
        help_text=_("Lists show types by this number; the first one is the default."),
    )

    objects = VisitTypeQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit type")
        verbose_name_plural = _("visit types")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(slot_units__gte=1),
                name="reservations_visit_type_has_length",
            )
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The name in the language of the page."""
        if self.name_zh and (get_language() or "").startswith("zh"):
            return self.name_zh
        return self.name

    def minutes(self, slot_minutes: int) -> int:
        return self.slot_units * slot_minutes

    @classmethod
    def default(cls) -> "VisitType":
        """The type of a visit booked without one (older API clients, the
        waitlist's older entries): the first active online type in order.

        Made if there is none, like ClinicSettings.current(): a transactional
        test's flush empties the rows the migration seeded.
        """
        found = cls.objects.online().first() or cls.objects.active().first()
        if found is None:
            found, _created = cls.objects.get_or_create(
                name="Consultation", defaults={"name_zh": "问诊"}
            )
        return found
