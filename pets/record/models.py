"""Preventive care: the catalogue of care items per species, and the doses
given to pets."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

from ..models import Species
from .dates import add_months

# An item is "due soon" from this long before its date (the first reminder).
DUE_SOON = datetime.timedelta(weeks=4)
BATCH_MAX_LENGTH = 40


class CareKind(models.TextChoices):
    VACCINE = "vaccine", _("Vaccination")
    PARASITES = "parasites", _("Parasite prevention")


class CareItemQuerySet(models.QuerySet):
    def for_species(self, species):
        return self.filter(species=species, active=True)


class CareItem(TimeStampedModel):
    """One kind of preventive care for one species (rabies for dogs, FVRCP
    for cats), with how often it is repeated. Kept by doctors in the admin;
    items are retired (inactive), never deleted: doses refer to them."""

    name = models.CharField(_("name"), max_length=80)
    name_zh_hans = models.CharField(
        _("name in Chinese"),
        max_length=80,
        blank=True,
        help_text=_("Shown to owners who read Chinese; the name if left empty."),
    )
    species = models.CharField(_("species"), max_length=16, choices=Species.choices)
    kind = models.CharField(
        _("kind"), max_length=16, choices=CareKind.choices, default=CareKind.VACCINE
    )
    interval_months = models.PositiveSmallIntegerField(
        _("interval (months)"),
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("How long a dose protects: 12 for a yearly vaccine."),
    )
    first_dose_weeks = models.PositiveSmallIntegerField(
        _("first dose at (weeks of age)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(520)],
    )
    active = models.BooleanField(
        _("in use"),
        default=True,
        help_text=_("Untick to stop offering it; doses already given stay."),
    )

    objects = CareItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("care item")
        verbose_name_plural = _("care catalogue")
        ordering = ["species", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["species", "name"], name="pets_careitem_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(interval_months__gte=1, interval_months__lte=120),
                name="pets_careitem_interval_in_range",
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        if self.name_zh_hans and translation.get_language() == "zh-hans":
            return self.name_zh_hans
        return self.name

    def next_due(self, given_on: datetime.date) -> datetime.date:
        return add_months(given_on, self.interval_months)


class CareStatus(models.TextChoices):
    UP_TO_DATE = "up_to_date", _("Up to date")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    DONE = "done", _("No further dose")


class CareDoseQuerySet(models.QuerySet):
    def latest_per_item(self):
        """The last dose of each item for each pet: the one whose due date
        counts (an earlier dose of the same item is superseded)."""
        later = CareDose.objects.filter(
            pet=models.OuterRef("pet"),
            item=models.OuterRef("item"),
        ).filter(
            Q(given_on__gt=models.OuterRef("given_on"))
            | Q(given_on=models.OuterRef("given_on"), pk__gt=models.OuterRef("pk"))
        )
        return self.exclude(models.Exists(later))


class CareDose(TimeStampedModel):
    """A dose given to a pet: part of the medical record. Only its next due
    date may be corrected later; a mistaken dose is corrected by a doctor
    recording the right one."""

    pet = models.ForeignKey(
        "pets.Pet",
        verbose_name=_("pet"),
        on_delete=models.CASCADE,
        related_name="care_doses",
    )
    item = models.ForeignKey(
        CareItem,
        verbose_name=_("care item"),
        on_delete=models.PROTECT,
        related_name="doses",
    )
    given_on = models.DateField(_("date given"), default=timezone.localdate)
    batch_number = models.CharField(
        _("batch/lot"), max_length=BATCH_MAX_LENGTH, blank=True
    )
    vet = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("vet"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    next_due = models.DateField(
        _("next due"),
        null=True,
        blank=True,
        help_text=_("Computed from the item's interval when left empty."),
    )
    # Who typed it, which need not be the vet chosen (a colleague's dose
    # entered for them). Empty on doses from before it was kept.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = CareDoseQuerySet.as_manager()

    class Meta:
        verbose_name = _("care dose")
        verbose_name_plural = _("vaccinations and preventive care")
        ordering = ["-given_on", "-pk"]
        indexes = [models.Index(fields=["pet", "item", "given_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_due__isnull=True) | Q(next_due__gt=F("given_on")),
                name="pets_caredose_next_due_after_given",
            ),
        ]

    def __str__(self):
        return f"{self.item} · {self.given_on:%Y-%m-%d}"

    def status(self, today: datetime.date) -> str:
        if self.next_due is None:
            return CareStatus.DONE
        if self.next_due < today:
            return CareStatus.OVERDUE
        if self.next_due - today <= DUE_SOON:
            return CareStatus.DUE_SOON
        return CareStatus.UP_TO_DATE


class NoticeStage(models.TextChoices):
    EARLY = "early", _("4 weeks before")
    DUE = "due", _("On the due date")
    OVERDUE = "overdue", _("2 weeks overdue")


class CareNotice(models.Model):
    """One reminder notice of a dose's next due date, sent once: the row is
    written in the transaction that hands the e-mail to the queue, and the
    constraint refuses a second one."""

    dose = models.ForeignKey(
        CareDose,
        verbose_name=_("dose"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    stage = models.CharField(_("notice"), max_length=16, choices=NoticeStage.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    sent_on = models.DateField(_("sent on"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("care reminder")
        verbose_name_plural = _("care reminders")
        ordering = ["-sent_on", "-pk"]
        indexes = [models.Index(fields=["owner", "sent_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["dose", "stage"], name="pets_carenotice_once_per_stage"
            ),
        ]

    def __str__(self):
        return f"{self.dose} · {self.get_stage_display()}"


class CareReminderSetting(models.Model):
    """An owner's choice about care reminders; without a row they are on.
    Kept here, not on the user: the user model belongs to accounts, which
    knows nothing of care."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="care_reminder_setting",
    )
    enabled = models.BooleanField(_("send me care reminders"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("care reminder setting")
        verbose_name_plural = _("care reminder settings")

    def __str__(self):
        return f"{self.owner}: {'on' if self.enabled else 'off'}"
