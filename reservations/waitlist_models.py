"""The waitlist (issue 16): owners who found no free time wait for a place
for one pet within a range of days. Imported by models.py (Django's models
module), kept apart so that neither passes 400 lines."""

import datetime

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.page_parts import OwnedPagePartsQuerySet

from .visit_types import VisitType

# How long an offered place is held for its owner (PRODUCT: 30 minutes).
OFFER_HOLD = datetime.timedelta(minutes=30)
# The longest range of days one entry may wait for.
WAITLIST_MAX_DAYS = 60


class WaitlistEntryQuerySet(OwnedPagePartsQuerySet):
    def for_owner(self, user):
        return self.filter(owner=user)

    def active(self):
        """Still on the list: waiting, or holding an offer."""
        return self.filter(state__in=WaitlistEntry.ACTIVE_STATES)

    def in_turn(self):
        """First come, first offered."""
        return self.order_by("created_at", "pk")


class WaitlistEntry(TimeStampedModel):
    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Place offered")
        BOOKED = "booked", _("Booked")
        LEFT = "left", _("Left the waitlist")

    ACTIVE_STATES = [State.WAITING, State.OFFERED]

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="waitlist_entries",
    )
    pet = models.ForeignKey(
        "pets.Pet",
        verbose_name=_("pet"),
        on_delete=models.CASCADE,
        related_name="waitlist_entries",
    )
    # The place offered must fit the type's length (waitlist_offers.py).
    visit_type = models.ForeignKey(
        VisitType,
        verbose_name=_("type of visit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("until"))
    symptoms = models.TextField(
        _("reason for the visit"),
        max_length=2000,
        validators=[MaxLengthValidator(2000)],
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.WAITING
    )
    # Put on the list by the hospital's staff (waitlist_join(by=)): a type
    # only the staff book was agreed with them, so its places are offered.
    by_staff = models.BooleanField(_("put on by the hospital"), default=False)
    # The place offered last (held while the state is "offered"): an owner who
    # let an offer lapse is not offered the same place again.
    offered_slot = models.ForeignKey(
        "reservations.Slot",
        verbose_name=_("place offered"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # How many slots from `offered_slot` the offer holds and where the last
    # ends (the type's and the slot length when offered: lengths changed since
    # free what was really held). Kept after a lapse, like `offered_slot`.
    offered_places = models.PositiveSmallIntegerField(default=1)
    offer_ends_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(
        _("offer held until"), null=True, blank=True
    )
    reservation = models.ForeignKey(
        "reservations.Reservation",
        verbose_name=_("visit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = WaitlistEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pet"],
                condition=Q(state__in=["waiting", "offered"]),
                name="reservations_waitlist_one_per_pet",
            ),
            models.CheckConstraint(
                condition=Q(first_day__lte=F("last_day")),
                name="reservations_waitlist_days_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(state="offered")
                | Q(offered_slot__isnull=False, offer_expires_at__isnull=False),
                name="reservations_waitlist_offer_held",
            ),
        ]

    def __str__(self):
        return f"{self.pet} · {self.first_day}–{self.last_day}"

    def get_absolute_url(self):
        return reverse("reservations:waitlist-offer", args=[self.pk])
