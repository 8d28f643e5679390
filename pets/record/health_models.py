"""Weights and medications on a pet's record."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
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
        # Shown in the pet's admin page (the inline's rows): in the reader's words.
        weight = gettext("%(weight)s kg") % {"weight": self.weight_display}
        return f"{weight} · {self.weighed_on:%Y-%m-%d}"

    @property
    def weight_display(self):
        return f"{self.weight_kg.normalize():f}"

    @property
    def owner_reported(self):
        return self.source == WeightSource.OWNER


INSTRUCTIONS_MAX_LENGTH = 1000


class PrescriptionQuerySet(models.QuerySet):
    def active_on(self, day):
        """Started, not stopped, and not over on `day`."""
        return self.filter(
            Q(start_date__lte=day),
            Q(stopped_on__isnull=True) | Q(stopped_on__gt=day),
            Q(ends_on__isnull=True) | Q(ends_on__gte=day),
        )


class Prescription(models.Model):
    """A medication prescribed for a pet, with the owner's instructions.
    Without a duration it goes on until a doctor stops it."""

    pet = models.ForeignKey(
        "pets.Pet",
        verbose_name=_("pet"),
        on_delete=models.CASCADE,
        related_name="prescriptions",
    )
    drug = models.CharField(_("drug"), max_length=120)
    dose = models.CharField(
        pgettext_lazy("how much of a drug", "dose"),
        max_length=60,
        help_text=_("e.g. 1 tablet (50 mg)"),
    )
    frequency = models.CharField(
        _("frequency"), max_length=60, help_text=_("e.g. twice a day with food")
    )
    duration_days = models.PositiveSmallIntegerField(
        _("duration (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("Empty for a long-term medication."),
    )
    instructions = models.TextField(
        _("instructions for the owner"), max_length=INSTRUCTIONS_MAX_LENGTH, blank=True
    )
    vet = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prescribing vet"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Who typed it, which need not be the prescribing vet. Empty on
    # prescriptions from before it was kept.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    start_date = models.DateField(_("start date"), default=timezone.localdate)
    # Computed from the duration by the service; kept for queries.
    ends_on = models.DateField(_("last day"), null=True, blank=True, editable=False)
    # From this day on it is no longer given.
    stopped_on = models.DateField(_("stopped on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PrescriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("prescription")
        verbose_name_plural = _("prescriptions")
        ordering = ["-start_date", "-pk"]
        indexes = [models.Index(fields=["pet", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(drug=""), name="pets_prescription_drug_not_empty"
            ),
        ]

    def __str__(self):
        return self.drug

    def is_active(self, day):
        return (
            self.start_date <= day
            and (self.stopped_on is None or self.stopped_on > day)
            and (self.ends_on is None or self.ends_on >= day)
        )


class RefillStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a doctor")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class RefillRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=RefillStatus.PENDING)

    def waiting_counts(self) -> dict[str, int]:
        """The requests waiting for a doctor, urgent ones apart: one query."""
        return self.pending().aggregate(
            waiting=models.Count("pk"),
            urgent=models.Count("pk", filter=Q(urgent=True)),
        )


class RefillRequest(models.Model):
    """An owner asks for more of a prescribed medication; a doctor approves
    or declines it in the dashboard."""

    prescription = models.ForeignKey(
        Prescription,
        verbose_name=_("prescription"),
        on_delete=models.CASCADE,
        related_name="refills",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    urgent = models.BooleanField(
        _("urgent"),
        default=False,
        help_text=_("The medication runs out within 2 days."),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RefillStatus.choices,
        default=RefillStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)

    objects = RefillRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("refill request")
        verbose_name_plural = _("refill requests")
        ordering = ["-urgent", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["prescription"],
                condition=Q(status="pending"),
                name="pets_refillrequest_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RefillStatus.values),
                name="pets_refillrequest_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.prescription} · {self.get_status_display()}"
