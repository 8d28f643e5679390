import datetime

from django.conf import settings
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
)
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.roles import is_doctor
from core.models import TimeStampedModel
from core.page_parts import PagePartsQuerySet

from . import states

# The state vocabulary lives in states.py; imported from here too, as before.
from .states import CLOSED_STATES, ONGOING_STATES, WAITING_STATES, State, Triage
from .visit_types import VisitType

SYMPTOMS_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 1000
# The three questions that make a visit a possible emergency (PRODUCT.md section 3).
RED_FLAG_FIELDS = ["breathing_trouble", "heavy_bleeding", "collapse_or_seizure"]
# A transition's note doubles as the cancel reason.
REASON_MAX_LENGTH = 500


def choice_label(choices, value) -> str:
    """The translated label of a stored value; the value itself if unknown."""
    return choices(value).label if value in choices.values else str(value or "")


class ClinicSettings(models.Model):
    """How the hospital books: one row, kept by doctors in the admin."""

    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"),
        default=30,
        validators=[MinValueValidator(10), MaxValueValidator(240)],
    )
    doctors_on_duty = models.PositiveSmallIntegerField(
        _("doctors on duty"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("How many visits a slot can take."),
    )
    booking_horizon_days = models.PositiveSmallIntegerField(
        _("book up to (days ahead)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )

    objects = PagePartsQuerySet.as_manager()  # core/page_parts.py

    class Meta:
        verbose_name = _("booking settings")
        verbose_name_plural = _("booking settings")
        constraints = [
            # One row only: the primary key is always 1.
            models.CheckConstraint(
                condition=Q(pk=1), name="reservations_settings_single"
            )
        ]

    def __str__(self):
        return str(_("Booking settings"))

    @classmethod
    def current(cls):
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row


class OpeningHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    weekday = models.PositiveSmallIntegerField(
        _("day"), choices=Weekday.choices, unique=True
    )
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)

    objects = PagePartsQuerySet.as_manager()  # core/page_parts.py

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday"]
        constraints = [
            # Open with both times in order, or closed with neither.
            models.CheckConstraint(
                condition=Q(opens__isnull=True, closes__isnull=True)
                | Q(opens__isnull=False, closes__isnull=False, opens__lt=F("closes")),
                name="reservations_hours_in_order",
            )
        ]

    def __str__(self):
        return str(self.get_weekday_display())

    @property
    def is_closed(self):
        return self.opens is None


class Slot(models.Model):
    """One bookable time, holding the count of its visits.

    The database keeps `booked` within `capacity` (a CHECK constraint) and
    services raise it with one conditional UPDATE, so concurrent bookings of
    the last place cannot both succeed, whatever the isolation level.
    """

    starts_at = models.DateTimeField(_("starts at"), unique=True)
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)

    objects = PagePartsQuerySet.as_manager()  # core/page_parts.py

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(booked__gte=0, booked__lte=F("capacity")),
                name="reservations_slot_within_capacity",
            )
        ]

    def __str__(self):
        # In the hospital's time zone: the database keeps UTC.
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


def red_flagged() -> Q:
    """Visits with at least one red flag answered yes."""
    return Q.create([(name, True) for name in RED_FLAG_FIELDS], connector=Q.OR)


class ReservationQuerySet(PagePartsQuerySet):
    def for_owner(self, user):
        return self.filter(pet__owner=user)

    def visible_to(self, user):
        """A customer's own visits; doctors see every visit."""
        if is_doctor(user):
            return self.all()
        return self.for_owner(user)

    def ongoing(self):
        return self.filter(state__in=ONGOING_STATES)

    def closed(self):
        return self.filter(state__in=CLOSED_STATES)

    def waiting(self):
        """In the queue: booked or checked in, not yet with a doctor."""
        return self.filter(state__in=WAITING_STATES)

    def on_day(self, day: datetime.date):
        return self.filter(slot__starts_at__date=day)

    def in_queue_order(self):
        """Emergencies first, then standard, then untriaged; by place within.

        Among the untriaged, possible emergencies (a red flag answered yes)
        come first: they are the ones a doctor must look at before any other.
        A doctor's triage decides from then on, so a flagged visit triaged
        standard waits in the standard band like the others.
        """
        band = models.Case(
            models.When(triage=Triage.EMERGENCY, then=0),
            models.When(triage=Triage.STANDARD, then=1),
            models.When(red_flagged(), then=2),
            default=3,
        )
        return self.alias(band=band).order_by("band", "queue_position", "pk")


class Reservation(TimeStampedModel):
    """A visit of one pet: booked in a slot, triaged and moved along by doctors."""

    pet = models.ForeignKey(
        "pets.Pet",
        verbose_name=_("pet"),
        on_delete=models.PROTECT,
        related_name="reservations",
    )
    slot = models.ForeignKey(
        Slot,
        verbose_name=_("slot"),
        on_delete=models.PROTECT,
        related_name="reservations",
    )
    visit_type = models.ForeignKey(
        VisitType,
        verbose_name=_("type of visit"),
        on_delete=models.PROTECT,
        related_name="reservations",
    )
    # How many consecutive slots from `slot` it holds a place in, and where
    # the last ends, kept as booked: a type's length or the slot length
    # changed later frees what it took (slots.held_times). No end: a walk-in.
    places = models.PositiveSmallIntegerField(_("slots taken"), default=1)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    symptoms = models.TextField(
        _("symptoms"),
        max_length=SYMPTOMS_MAX_LENGTH,
        validators=[MaxLengthValidator(SYMPTOMS_MAX_LENGTH)],
        help_text=_("What have you noticed, and since when?"),
    )
    breathing_trouble = models.BooleanField(_("trouble breathing"), default=False)
    heavy_bleeding = models.BooleanField(_("heavy bleeding"), default=False)
    collapse_or_seizure = models.BooleanField(_("collapse or seizure"), default=False)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.REQUESTED
    )
    triage = models.CharField(
        _("triage"), max_length=12, choices=Triage.choices, default=Triage.UNTRIAGED
    )
    # Place within its band of today's queue; doctors reorder by drag and drop.
    queue_position = models.PositiveIntegerField(_("place in queue"), default=0)
    cancel_reason = models.CharField(
        _("reason"), max_length=REASON_MAX_LENGTH, blank=True
    )
    # Registered at the desk on arrival (services.walk_in_register): it holds
    # no bookable place in its slot, which only says which day and time.
    walk_in = models.BooleanField(_("walk-in"), default=False)
    # When the pet arrived: waits (and their maximum) are counted from here.
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    # When the doctors were alerted that it waited past its maximum (once).
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_failures = models.PositiveSmallIntegerField(default=0)
    reminder_error = models.CharField(max_length=500, blank=True)

    objects = ReservationQuerySet.as_manager()

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["slot__starts_at", "pk"]
        indexes = [models.Index(fields=["state", "triage"])]
        constraints = [
            models.UniqueConstraint(
                fields=["pet"],
                condition=Q(state__in=ONGOING_STATES),
                name="reservations_one_ongoing_visit_per_pet",
            ),
            models.CheckConstraint(
                condition=~Q(state=State.CANCELLED) | ~Q(cancel_reason=""),
                name="reservations_cancel_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.pet} · {self.slot}"

    def get_absolute_url(self):
        return reverse("reservations:detail", args=[self.pk])

    @property
    def red_flags(self):
        """The labels of the red flags the owner answered yes to."""
        return [
            self._meta.get_field(name).verbose_name
            for name in RED_FLAG_FIELDS
            if getattr(self, name)
        ]

    @property
    def possible_emergency(self):
        return any(getattr(self, name) for name in RED_FLAG_FIELDS)

    @property
    def come_in_now(self):
        """The owner is told to come in now instead of a place and a wait.

        A red flag makes a possible emergency until a doctor decides: from
        booking until the visit is triaged or the pet checked in, a queue
        estimate would tell the owner of a possible emergency to wait at home.
        Once triaged, the band and the place are the doctor's answer.
        """
        return (
            self.possible_emergency
            and states.is_before_arrival(self)
            and not states.is_triaged(self)
        )

    # The predicates of states.py, for templates.

    @property
    def is_ongoing(self):
        return states.is_ongoing(self)

    @property
    def is_cancelled(self):
        return states.is_cancelled(self)

    @property
    def is_no_show(self):
        return states.is_no_show(self)

    @property
    def is_triaged(self):
        return states.is_triaged(self)

    @property
    def can_edit(self):
        return states.can_edit(self)

    @property
    def can_cancel(self):
        return states.can_cancel(self)

    @property
    def can_pick_up(self):
        return states.can_pick_up(self)


INTERNAL_NOTES = (State.CHECKED_IN, State.NO_SHOW)  # notes of these: staff only


class ReservationEvent(models.Model):
    """What happened to a visit: a state change, a triage, an edit, a move."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Booked")
        STATE = "state", _("State changed")
        TRIAGE = "triage", _("Triaged")
        EDITED = "edited", _("Edited")

    reservation = models.ForeignKey(
        Reservation,
        verbose_name=_("reservation"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField(_("what"), max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    from_value = models.CharField(_("from"), max_length=20, blank=True)
    to_value = models.CharField(_("to"), max_length=20, blank=True)
    note = models.CharField(
        # A remark on a change (备注), where a doctor's "note" is a record (记录).
        pgettext_lazy("visit event", "note"),
        max_length=NOTE_MAX_LENGTH,
        blank=True,
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.from_label} → {self.to_label}"

    @property
    def note_for_owner(self) -> str:
        """None on a check-in or no-show: the desk's own, kept for staff."""
        kept = self.kind == self.Kind.STATE and self.to_value in INTERNAL_NOTES
        return "" if kept else self.note

    @property
    def from_label(self):
        return self._label(self.from_value)

    @property
    def to_label(self):
        return self._label(self.to_value)

    def _label(self, value):
        # A triage event holds bands; every other kind holds states.
        return choice_label(Triage if self.kind == self.Kind.TRIAGE else State, value)


# The waits, the waitlist and the visit types: modules of their own (size).
from .wait_models import MaxWait  # noqa: E402, F401
from .waitlist_models import WaitlistEntry  # noqa: E402, F401
