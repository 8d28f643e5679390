"""A mail server that refuses, for the tests of e-mails sent through the
queue: settings.EMAIL_DELIVERY_BACKEND = REFUSING, run_ready_tasks() (every
attempt refused and retried later), then the real backend back and
retries_due() to let the clock jump to the retries."""

import smtplib

from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core.background import run_ready_tasks

REFUSING = "core.tests.mail.RefusingEmailBackend"
ACCEPTING = "django.core.mail.backends.locmem.EmailBackend"


class RefusingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused(
            {"someone@example.com": (451, b"4.3.0 Mail server temporarily away")}
        )


def retries_due() -> int:
    """Make every waiting task due now (their backoff is over)."""
    return DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(
        run_after=timezone.now()
    )


def sent_mail() -> list:
    """The e-mails the queue sends now (run_ready_tasks()), taken out of the
    outbox, so that the next call shows only what comes after."""
    run_ready_tasks()
    sent = list(mail.outbox)
    mail.outbox.clear()
    return sent
