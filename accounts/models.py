from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from .notification_kinds import notification_icon, notification_text
from .roles import is_doctor
from .validators import USERNAME_MAX_LENGTH, phone_validator, username_validator


class UserQuerySet(models.QuerySet):
    def customers(self):
        return self.filter(is_staff=False, is_superuser=False)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A person with an account: customer, doctor or translator (see roles.py)."""

    username = models.CharField(
        _("username"),
        max_length=USERNAME_MAX_LENGTH,
        unique=True,
        validators=[username_validator],
        error_messages={"unique": _("This username is already taken.")},
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    display_name = models.CharField(
        _("display name"),
        max_length=60,
        blank=True,
        help_text=_("How the hospital and other people see you."),
    )
    phone = models.CharField(
        _("phone"), max_length=24, blank=True, validators=[phone_validator]
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    # Both files are re-encoded by core.images and served by accounts.views.
    avatar = models.ImageField(_("avatar"), upload_to="avatars/", blank=True)
    avatar_thumbnail = models.ImageField(upload_to="avatars/", blank=True)
    # Moved on whenever the account joins or leaves a group (any way but a
    # raw write to the table): a session's remembered "is this staff?" holds
    # the version it was decided at, and is decided again when it differs
    # (accounts/second_factor.py). Read with the user's row, as every
    # request reads it: no query of its own.
    groups_version = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("username"), name="accounts_user_username_ci_unique"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        """The name shown to people: display name, else username."""
        return self.display_name or self.username

    @property
    def initials(self):
        words = self.name.replace("_", " ").split()
        if not words:
            return "?"
        if len(words) == 1:
            # A Chinese name reads best as its first character, a Latin one as two.
            word = words[0]
            return word[:1].upper() if ord(word[0]) > 0x2E7F else word[:2].upper()
        return (words[0][:1] + words[-1][:1]).upper()

    @property
    def avatar_color(self):
        """One of eight CSS classes, stable per user (the CSP forbids inline style)."""
        return f"avatar-color-{self.pk % 8 if self.pk else 0}"

    @property
    def is_doctor(self):
        return is_doctor(self)


def user_display(user):
    """ACCOUNT_USER_DISPLAY: allauth shows this in its pages and e-mails."""
    return user.name


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def read_before(self, moment):
        return self.filter(read_at__lt=moment)


class Notification(models.Model):
    """Something a user should know about: a visit's state or triage changed,
    a doctor replied. The text is made when shown, in the reader's language,
    from the kind and its parameters."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # The sending app's name for it ("visit_state", "care_dose"), which it
    # registers with its wording (accounts/notification_kinds.py).
    kind = models.CharField(_("kind"), max_length=20)
    # What the text needs (a pet's name, a state's value), never HTML.
    params = models.JSONField(_("details"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=200)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.text

    @property
    def is_read(self):
        return self.read_at is not None

    @property
    def text(self):
        return notification_text(self)

    @property
    def icon(self):
        return notification_icon(self)


class DataExportQuerySet(models.QuerySet):
    def expired(self, now):
        return self.filter(expires_at__lte=now)


class DataExport(models.Model):
    """A customer's download of all their data (accounts/data_export.py): a
    ZIP built by the background work, kept in private storage (served only
    to its owner, signed in) until `expires_at`, then deleted."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="data_exports",
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    # Empty until the ZIP is built.
    file = models.FileField(upload_to="private/exports/", blank=True)
    built_at = models.DateTimeField(_("built"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))

    objects = DataExportQuerySet.as_manager()

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"{self.user_id} · {self.requested_at:%Y-%m-%d}"


class AccountClosureQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(erased_at__isnull=True)

    def due(self, now):
        return self.pending().filter(erase_after__lte=now)


class AccountClosure(models.Model):
    """A customer asked to close their account: after the grace period
    (accounts/closure.py) their personal data is erased; until then they can
    sign in and cancel (which deletes this row). Kept once done, naming the
    anonymised account, so operators see when it happened."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="closure",
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    erase_after = models.DateTimeField(_("erased after"))
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)

    objects = AccountClosureQuerySet.as_manager()

    class Meta:
        verbose_name = _("account closure")
        verbose_name_plural = _("account closures")
        ordering = ["erase_after", "pk"]

    def __str__(self):
        return f"{self.user} · {self.erase_after:%Y-%m-%d}"


# The record access log lives in its own module; importing it here makes it
# one of accounts' models.
from .access_log import AccessLog  # noqa: E402, F401

# A walk-in account's claim code (accounts/claim_codes.py), one of the models.
from .claim_codes import ClaimCode  # noqa: E402, F401
