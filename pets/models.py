from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_doctor
from core.models import TimeStampedModel
from core.page_parts import PETS, OwnedPagePartsQuerySet

from .ages import describe_age, whole_months_between

PET_NAME_MAX_LENGTH = 60
PET_NOTES_MAX_LENGTH = 2000
DOCTOR_NOTE_MAX_LENGTH = 4000
MIN_WEIGHT_KG = Decimal("0.01")
MAX_WEIGHT_KG = Decimal("1000")
# The oldest animals on record live about this long (tortoises aside).
MAX_AGE_YEARS = 80

BIRTH_DATE_IN_FUTURE_ERROR = _("The birth date cannot be in the future.")
BIRTH_DATE_TOO_OLD_ERROR = _(
    "The birth date is more than %(years)d years ago; please check it."
)
WEIGHT_RANGE_ERROR = _("Enter a weight between 0.01 and 1000 kg.")
MICROCHIP_ERROR = _("A microchip number has 9 to 15 letters and digits.")
MICROCHIP_TAKEN_ERROR = _("Another pet has this microchip number.")


def validate_birth_date(value):
    today = timezone.localdate()
    if value > today:
        raise ValidationError(BIRTH_DATE_IN_FUTURE_ERROR, code="future")
    if whole_months_between(value, today) > MAX_AGE_YEARS * 12:
        raise ValidationError(
            BIRTH_DATE_TOO_OLD_ERROR, code="too_old", params={"years": MAX_AGE_YEARS}
        )


class Species(models.TextChoices):
    DOG = "dog", _("Dog")
    CAT = "cat", _("Cat")
    RABBIT = "rabbit", _("Rabbit")
    BIRD = "bird", _("Bird")
    REPTILE = "reptile", _("Reptile")
    OTHER = "other", _("Other")


class Sex(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    FEMALE = "female", _("Female")
    FEMALE_SPAYED = "female_spayed", _("Female, spayed")
    MALE = "male", _("Male")
    MALE_NEUTERED = "male_neutered", _("Male, neutered")


# Each makes a Prefetch for a list of pets; registered by higher apps, which
# pets never imports.
_list_prefetches: list[Callable[[], models.Prefetch]] = []


def pet_list_prefetch_register(prefetch: Callable[[], models.Prefetch]) -> None:
    """Have PetQuerySet.with_list_details() prefetch `prefetch()` too."""
    if prefetch not in _list_prefetches:
        _list_prefetches.append(prefetch)


class PetQuerySet(OwnedPagePartsQuerySet):
    also = (PETS,)  # the dashboard's list of pets too

    def for_owner(self, user):
        return self.filter(owner=user)

    def active(self):
        return self.filter(archived_at__isnull=True)

    def archived(self):
        return self.filter(archived_at__isnull=False)

    def with_list_details(self):
        """Prefetch what higher apps show of each pet in a list, as they
        registered it (reservations: the ongoing visit, as `current_visits`)."""
        return self.prefetch_related(*(prefetch() for prefetch in _list_prefetches))

    def visible_to(self, user):
        """Doctors see every pet, archived ones too; a customer only their own."""
        if is_doctor(user):
            return self.all()
        if not user.is_authenticated:
            return self.none()
        return self.for_owner(user)


class Pet(TimeStampedModel):
    """An animal in the hospital's care, owned by one customer.

    Pets are archived, never deleted: their medical history stays.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="pets",
    )
    name = models.CharField(_("name"), max_length=PET_NAME_MAX_LENGTH)
    species = models.CharField(_("species"), max_length=16, choices=Species.choices)
    breed = models.CharField(_("breed"), max_length=60, blank=True)
    sex = models.CharField(
        _("sex"), max_length=16, choices=Sex.choices, default=Sex.UNKNOWN
    )
    birth_date = models.DateField(
        _("birth date"),
        null=True,
        blank=True,
        validators=[validate_birth_date],
        help_text=_("An estimate is fine if you do not know the day."),
    )
    weight_kg = models.DecimalField(
        _("weight (kg)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(MIN_WEIGHT_KG, message=WEIGHT_RANGE_ERROR),
            MaxValueValidator(MAX_WEIGHT_KG, message=WEIGHT_RANGE_ERROR),
        ],
    )
    notes = models.TextField(
        _("notes and allergies"),
        max_length=PET_NOTES_MAX_LENGTH,
        # A TextField's max_length binds only forms; the model checks too.
        validators=[MaxLengthValidator(PET_NOTES_MAX_LENGTH)],
        blank=True,
        help_text=_("Allergies, medication, diet, anything the doctor should know."),
    )
    # ISO 11784 chips read as 15 digits; older ones as 9 or 10 characters.
    microchip_number = models.CharField(
        _("microchip number"),
        max_length=15,
        blank=True,
        validators=[RegexValidator(r"^[0-9A-Za-z]{9,15}$", MICROCHIP_ERROR)],
    )
    blood_type = models.CharField(
        _("blood type"),
        max_length=20,
        blank=True,
        help_text=_("If known, e.g. DEA 1 positive for a dog, A or B for a cat."),
    )
    # All three are re-encoded by core.images and served by pets.views.photo.
    photo = models.ImageField(_("photo"), upload_to="pets/", blank=True)
    photo_medium = models.ImageField(upload_to="pets/", blank=True)
    photo_thumbnail = models.ImageField(upload_to="pets/", blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects = PetQuerySet.as_manager()

    class Meta:
        verbose_name = _("pet")
        verbose_name_plural = _("pets")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["owner", "archived_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_kg__isnull=True)
                | Q(weight_kg__gte=MIN_WEIGHT_KG, weight_kg__lte=MAX_WEIGHT_KG),
                name="pets_pet_weight_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="pets_pet_name_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(species__in=Species.values), name="pets_pet_species_valid"
            ),
            models.UniqueConstraint(
                fields=["microchip_number"],
                condition=~Q(microchip_number=""),
                name="pets_pet_unique_microchip",
                violation_error_message=MICROCHIP_TAKEN_ERROR,
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("pets:detail", args=[self.pk])

    @property
    def age(self):
        return describe_age(self.birth_date, timezone.localdate())

    @property
    def weight_display(self):
        """The weight without trailing zeros: 3.8, not 3.80."""
        if self.weight_kg is None:
            return ""
        return f"{self.weight_kg.normalize():f}"

    @property
    def is_neutered(self):
        """Neutered status is part of the sex (spayed female, neutered male):
        one field, so the two can never disagree. None when unknown."""
        if self.sex in (Sex.FEMALE_SPAYED, Sex.MALE_NEUTERED):
            return True
        if self.sex in (Sex.FEMALE, Sex.MALE):
            return False
        return None

    @property
    def is_archived(self):
        return self.archived_at is not None


class DoctorNoteQuerySet(models.QuerySet):
    def visible_to_owner(self):
        return self.filter(visible_to_owner=True)

    def visible_to(self, user):
        """Internal notes are for doctors only."""
        return self.all() if is_doctor(user) else self.visible_to_owner()


class DoctorNote(TimeStampedModel):
    """A doctor's entry in a pet's record: shared with the owner, or internal.

    Notes are a medical record: their text is never edited (a correction is a
    new note); only whether the owner sees them can change.
    """

    pet = models.ForeignKey(
        Pet,
        verbose_name=_("pet"),
        on_delete=models.CASCADE,
        related_name="doctor_notes",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("doctor"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(
        _("note"),
        max_length=DOCTOR_NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(DOCTOR_NOTE_MAX_LENGTH)],
    )
    visible_to_owner = models.BooleanField(
        _("visible to owner"),
        default=False,
        help_text=_("Unticked, the note is internal: only doctors see it."),
    )

    objects = DoctorNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("doctor's note")
        verbose_name_plural = _("doctor's notes")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["pet", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""), name="pets_doctornote_text_not_empty"
            ),
        ]

    def __str__(self):
        return Truncator(self.text).chars(60)


# The medical record's models live in pets.record; importing them here makes
# them pets models (and pets migrations).
from .record.alert_models import PatientAlert  # noqa: E402, F401
from .record.document_models import (  # noqa: E402, F401
    Certificate,
    PetDocument,
    RecordBundle,
)
from .record.health_models import (  # noqa: E402, F401
    Prescription,
    RefillRequest,
    WeightEntry,
)
from .record.models import (  # noqa: E402, F401
    CareDose,
    CareItem,
    CareNotice,
    CareReminderSetting,
)
from .record.share_models import RecordShare, RecordShareOpen  # noqa: E402, F401
