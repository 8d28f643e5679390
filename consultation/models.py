"""Consultation threads between a customer and the hospital's doctors.

A thread belongs to one customer; every doctor may read and answer it. Messages
are never edited or deleted. Each reader keeps a ReadMark (the last message they
have read), from which unread counts and read receipts are worked out.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_doctor
from core.models import TimeStampedModel
from core.page_parts import PagePartsQuerySet

SUBJECT_MAX_LENGTH = 120
# A message must fit one WebSocket frame of 4 KB with its envelope.
MESSAGE_MAX_LENGTH = 4000
MUTE_REASON_MAX_LENGTH = 300

PET_NOT_OWN_ERROR = _("Choose one of your own pets.")


class ThreadState(models.TextChoices):
    # "Closed" also names a day without opening hours (休息): contexts apart.
    OPEN = "open", pgettext_lazy("consultation", "Open")
    CLOSED = "closed", pgettext_lazy("consultation", "Closed")


class MessageKind(models.TextChoices):
    USER = "user", _("Message")
    SYSTEM = "system", _("Notice")


class SystemEvent(models.TextChoices):
    """What a system message announces; its text is written when it is shown,
    in the reader's language (see Message.display_text)."""

    MUTED = "muted", _("Customer muted")
    CLOSED = "closed", _("Thread closed")
    NO_DOCTOR = "no_doctor", _("No doctor online")


class ThreadQuerySet(models.QuerySet):
    def for_customer(self, user):
        return self.filter(customer=user)

    def open(self):
        return self.filter(state=ThreadState.OPEN)

    def visible_to(self, user):
        """Doctors see every thread; a customer only their own."""
        if is_doctor(user):
            return self.all()
        if not user.is_authenticated:
            return self.none()
        return self.for_customer(user)

    def with_unread_count(self, user):
        """Annotate `unread_count` and `unread_urgent_count`: messages by others
        after the user's read mark. Two subqueries, whatever the number of rows."""
        last_read = ReadMark.objects.filter(
            thread=OuterRef("thread"), user=user
        ).values("last_read_message_id")[:1]
        # The hospital's automatic notices (no sender) answer the reader's
        # own message: nothing new to read.
        unread = (
            Message.objects.filter(thread=OuterRef("pk"), sender__isnull=False)
            .exclude(sender=user)
            .filter(pk__gt=Coalesce(Subquery(last_read), Value(0)))
        )

        def count(messages):
            return Coalesce(
                Subquery(
                    messages.order_by()
                    .values("thread")
                    .annotate(n=Count("pk"))
                    .values("n")[:1]
                ),
                Value(0),
            )

        return self.annotate(
            unread_count=count(unread),
            unread_urgent_count=count(unread.filter(urgent=True)),
        )

    def in_triage_order(self):
        """Urgent first, then unread, then the latest message: for doctors.

        Needs with_unread_count().
        """
        return self.alias(
            has_urgent=models.Case(
                models.When(unread_urgent_count__gt=0, then=Value(1)),
                default=Value(0),
            ),
            has_unread=models.Case(
                models.When(unread_count__gt=0, then=Value(1)),
                default=Value(0),
            ),
        ).order_by("-has_urgent", "-has_unread", "-last_message_at", "-pk")


class Thread(TimeStampedModel):
    """One topic a customer raises with the doctors, optionally about a pet."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="consultation_threads",
    )
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH)
    pet = models.ForeignKey(
        "pets.Pet",
        verbose_name=_("pet"),
        on_delete=models.PROTECT,
        related_name="consultation_threads",
        null=True,
        blank=True,
    )
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=ThreadState.choices,
        default=ThreadState.OPEN,
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    last_message_at = models.DateTimeField(_("last message"), default=timezone.now)
    # A doctor may stop the customer writing for a while; doctors can still write.
    muted_until = models.DateTimeField(_("muted until"), null=True, blank=True)
    mute_reason = models.CharField(
        _("reason for muting"), max_length=MUTE_REASON_MAX_LENGTH, blank=True
    )

    objects = ThreadQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-last_message_at", "-pk"]
        indexes = [
            models.Index(fields=["customer", "-last_message_at"]),
            models.Index(fields=["state", "-last_message_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(subject=""), name="consultation_thread_subject_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(state=ThreadState.OPEN, closed_at__isnull=True)
                | Q(state=ThreadState.CLOSED, closed_at__isnull=False),
                name="consultation_thread_closed_at_matches_state",
            ),
            models.CheckConstraint(
                condition=Q(state__in=ThreadState.values),
                name="consultation_thread_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(muted_until__isnull=True) | ~Q(mute_reason=""),
                name="consultation_thread_mute_has_reason",
            ),
        ]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse("consultation:detail", args=[self.pk])

    def clean(self):
        if self.pet_id and self.customer_id and self.pet.owner_id != self.customer_id:
            raise ValidationError({"pet": PET_NOT_OWN_ERROR}, code="not_own_pet")

    @property
    def is_closed(self):
        return self.state == ThreadState.CLOSED

    def is_muted(self, now=None):
        return self.muted_until is not None and self.muted_until > (
            now or timezone.now()
        )

    def is_member(self, user):
        """The customer and every doctor take part; nobody else."""
        return user.is_authenticated and (
            (user.pk == self.customer_id and user.is_active) or is_doctor(user)
        )


# How many messages a thread page, the history JSON and the admin show at once.
HISTORY_PAGE_SIZE = 30
# Messages per page when a page catches up after a lost connection: it asks
# again until it has them all, so the size only sets the number of requests.
CATCH_UP_PAGE_SIZE = 100


def thread_generation(thread_id: int) -> str:
    """The generation of a thread's kept messages (core/page_parts.py)."""
    return f"page-part:thread:{thread_id}"


class MessageQuerySet(PagePartsQuerySet):
    def page_part_generations(self) -> list[str]:
        # update() (an erasure's) draws the threads' kept messages afresh.
        threads = set(self.values_list("thread_id", flat=True))
        return [thread_generation(pk) for pk in threads]

    def history_page(self, before=None, *, size=HISTORY_PAGE_SIZE):
        """Up to `size` messages older than id `before` (the latest without it),
        oldest first, and whether there are older ones still."""
        messages = self.select_related("sender").order_by("-pk")
        if before is not None:
            messages = messages.filter(pk__lt=before)
        page = list(messages[: size + 1])
        return page[:size][::-1], len(page) > size

    def after_page(self, after, *, size=CATCH_UP_PAGE_SIZE):
        """Up to `size` messages newer than id `after`, oldest first, and
        whether there are newer ones still."""
        messages = self.select_related("sender").filter(pk__gt=after).order_by("pk")
        page = list(messages[: size + 1])
        return page[:size], len(page) > size


class Message(TimeStampedModel):
    """A message in a thread: text, a photo, or both; or a system notice."""

    thread = models.ForeignKey(
        Thread,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    # Empty only for notices the hospital posts by itself.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sender"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=MessageKind.choices, default=MessageKind.USER
    )
    event = models.CharField(
        _("event"), max_length=20, choices=SystemEvent.choices, blank=True
    )
    # What a system notice needs to be written out: a reason, a time.
    params = models.JSONField(default=dict, blank=True)
    text = models.TextField(
        _("text"),
        max_length=MESSAGE_MAX_LENGTH,
        validators=[MaxLengthValidator(MESSAGE_MAX_LENGTH)],
        blank=True,
    )
    # Both re-encoded by core.images and served by consultation.views.photo.
    photo = models.ImageField(_("photo"), upload_to="consultation/", blank=True)
    photo_thumbnail = models.ImageField(upload_to="consultation/", blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["pk"]
        indexes = [models.Index(fields=["thread", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=MessageKind.SYSTEM)
                | (Q(sender__isnull=False) & (~Q(text="") | ~Q(photo=""))),
                name="consultation_message_has_sender_and_content",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=MessageKind.values),
                name="consultation_message_kind_valid",
            ),
        ]

    def __str__(self):
        return Truncator(self.display_text or gettext("(photo)")).chars(60)

    @property
    def is_system(self):
        return self.kind == MessageKind.SYSTEM

    @property
    def from_hospital(self):
        """Written for the hospital: by anybody but the thread's customer (only
        doctors can post in a thread). Messages read through `thread.messages`
        know their thread, so this costs no query."""
        return self.sender_id is not None and self.sender_id != self.thread.customer_id

    @property
    def display_text(self):
        """The text to show, as plain text (never HTML): a notice is written in
        the reader's current language."""
        if not self.is_system:
            return self.text
        if self.event == SystemEvent.MUTED:
            until = parse_datetime(self.params.get("until", ""))
            return gettext(
                # The date is never followed by a full stop: in English it
                # can end with one ("3 p.m.").
                "A doctor has paused your messages in this consultation (until "
                "%(until)s). Reason: %(reason)s"
            ) % {
                "until": date_format(timezone.localtime(until), "DATETIME_FORMAT")
                if until
                else "",
                "reason": self.params.get("reason", ""),
            }
        if self.event == SystemEvent.CLOSED:
            return gettext(
                "A doctor has closed this consultation. You can still read it; "
                "to ask something new, start a new consultation."
            )
        if self.event == SystemEvent.NO_DOCTOR:
            opens = parse_datetime(self.params.get("opens") or "")
            if opens is None or opens <= self.created_at:
                return gettext(
                    "No doctor is online right now. Your message is saved, and "
                    "the first doctor to come online will answer it."
                )
            return gettext(
                "No doctor is online right now. The hospital opens at %(opens)s, "
                "and a doctor will answer your message then."
            ) % {"opens": date_format(timezone.localtime(opens), "DATETIME_FORMAT")}
        return self.text


class ReadMark(TimeStampedModel):
    """How far one person has read a thread: its last message they have seen."""

    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="read_marks"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    last_read_message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("read mark")
        verbose_name_plural = _("read marks")
        constraints = [
            models.UniqueConstraint(
                fields=["thread", "user"], name="consultation_readmark_one_per_user"
            ),
        ]

    def __str__(self):
        return f"{self.user} read {self.thread} up to {self.last_read_message_id}"
