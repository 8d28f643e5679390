from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult


class TimeStampedModel(models.Model):
    """Adds created/updated times; the base of every domain model."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class ScheduledRun(models.Model):
    """One row per periodic job and period: the scheduler enqueues a job's
    task only when it could insert the row, so every worker can tick the
    schedule and each period still runs once (core/schedule.py)."""

    job = models.CharField(max_length=200)
    period_start = models.DateTimeField()
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["job", "period_start"], name="one_run_per_job_and_period"
            )
        ]

    def __str__(self):
        return f"{self.job} @ {self.period_start:%Y-%m-%d %H:%M}"


class FailedDelivery(DBTaskResult):
    """A background task that gave up (core.background.failed_tasks()): the
    operators' "failed deliveries" in the admin, to retry or discard."""

    class Meta:
        proxy = True
        verbose_name = _("failed delivery")
        verbose_name_plural = _("failed deliveries")
        ordering = ["-finished_at"]


# The integrations' models live in a module of their own.
from .integration_models import (  # noqa: E402, F401
    ApiKey,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
