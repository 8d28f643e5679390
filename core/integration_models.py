"""What the clinic's other systems use (issue 17): integration API keys and
webhook endpoints with their deliveries. Operators (superusers) keep them in
the admin (core/integrations_admin.py); the services are core/api_keys.py and
core/webhooks.py. Loaded by core.models, so they belong to the core app."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    READ_VISITS = "visits:read", _("Read visits")
    WRITE_VISIT_STATE = "visits:write_state", _("Change the state of visits")
    READ_RECORDS = "records:read", _("Read pets' medical records")


class ApiKey(models.Model):
    """A named key of another system of the clinic. Only a hash of the key is
    kept: the key itself is shown once, when it is made."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    # The key's public part, to find its row: "hp_<prefix>_<secret>".
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    # Changes of state made with the key are made as this account: its rights
    # apply (a doctor's any move, the front desk's check-in and no-show) and
    # the visit's events name it. Needed for the "change state" scope only.
    acts_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "The staff account whose rights state changes made with this key "
            "use, and whom the visit's history names. Make one account per "
            "system (for example “Lab system”) with an unusable password."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, editable=False)

    class Meta:
        verbose_name = _("integration API key")
        verbose_name_plural = _("integration API keys")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class WebhookEvent(models.TextChoices):
    VISIT_CREATED = "visit.created", _("A visit is booked")
    VISIT_STATE_CHANGED = "visit.state_changed", _("A visit changes state")
    VISIT_TRIAGED = "visit.triaged", _("A visit is triaged")
    CONSULTATION_MESSAGE_CREATED = (
        "consultation.message_created",
        _("A consultation message is posted"),
    )


class WebhookEndpoint(models.Model):
    """An address of another system that is told of events, signed with its
    own secret (core/webhooks.py)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    # Kept as it is: every delivery is signed with it. Shown once, when made
    # or renewed; the admin never shows it again.
    secret = models.CharField(max_length=100, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["name"]

    def __str__(self):
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint: the body is fixed when the event happens,
    so every attempt sends the same bytes (with a fresh timestamp)."""

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("endpoint"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    webhook_id = models.CharField(_("webhook id"), max_length=40, unique=True)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(
        _("status code"), null=True, blank=True
    )
    last_duration_ms = models.PositiveIntegerField(
        _("duration (ms)"), null=True, blank=True
    )
    last_error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.event} → {self.endpoint}"


class WebhookAttempt(models.Model):
    """One try at a delivery: the log operators read."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        verbose_name=_("delivery"),
        on_delete=models.CASCADE,
        related_name="attempt_log",
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    error = models.CharField(_("error"), max_length=500, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["delivery", "number"]

    def __str__(self):
        return f"{self.delivery} #{self.number}"
