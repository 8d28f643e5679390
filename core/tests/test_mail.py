"""E-mail through the queue: every message is a task of the sender's
transaction, and the worker sends it through EMAIL_URL's backend, retrying
while the mail server refuses."""

import contextlib
import json
import os
import subprocess
import sys
from email.mime.text import MIMEText
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, EmailMultiAlternatives, send_mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import DatabaseError, transaction
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core import background
from core.mail import ATTACHMENTS_ERROR, MAX_ATTACHMENT_BYTES, delivery_connection
from core.tests.mail import ACCEPTING, REFUSING, retries_due

pytestmark = pytest.mark.django_db


def _message(**overrides):
    fields = {
        "subject": "Biscuit's visit: Confirmed",
        "body": "See you tomorrow.",
        "from_email": "Healing Paws <desk@healingpaws.example>",
        "to": ["alice@example.com"],
        "cc": ["bob@example.com"],
        "bcc": ["archive@healingpaws.example"],
        "reply_to": ["desk@healingpaws.example"],
        "headers": {"X-Visit": "42"},
        **overrides,
    }
    message = EmailMultiAlternatives(**fields)
    message.attach_alternative("<p>See you <b>tomorrow</b>.</p>", "text/html")
    return message


def test_an_email_is_a_task_and_goes_out_as_it_was_made_when_the_worker_runs(
    settings,
):
    settings.SITE_URL = "https://vet.example:8443"
    assert _message().send() == 1

    assert mail.outbox == []
    [row] = DBTaskResult.objects.all()
    assert row.task_path == "core.mail.send_email"
    assert background.run_ready_tasks() == 1
    [sent] = mail.outbox
    assert sent.subject == "Biscuit's visit: Confirmed"
    assert sent.body == "See you tomorrow."
    assert sent.from_email == "Healing Paws <desk@healingpaws.example>"
    assert sent.to == ["alice@example.com"]
    assert sent.cc == ["bob@example.com"]
    assert sent.bcc == ["archive@healingpaws.example"]
    assert sent.reply_to == ["desk@healingpaws.example"]
    assert sent.alternatives == [("<p>See you <b>tomorrow</b>.</p>", "text/html")]
    headers = sent.message()
    assert headers["X-Visit"] == "42"
    # Fixed when the e-mail was made: every attempt sends the same message.
    stored = row.args_kwargs["args"][0]["headers"]
    assert headers["Message-ID"] == stored["Message-ID"]
    assert headers["Message-ID"].endswith("@vet.example>")  # no DNS lookup
    assert headers["Date"] == stored["Date"]


def test_an_html_only_message_stays_html():
    message = EmailMessage("Hello", "<p>Hello</p>", to=["alice@example.com"])
    message.content_subtype = "html"
    message.send()

    background.run_ready_tasks()

    assert mail.outbox[0].message().get_content_type() == "text/html"


class _RolledBack(Exception):
    pass


def test_a_rolled_back_transaction_sends_nothing():
    with contextlib.suppress(_RolledBack), transaction.atomic():
        send_mail("Hello", "Body", None, ["alice@example.com"])
        raise _RolledBack

    assert background.run_ready_tasks() == 0
    assert mail.outbox == []
    assert not DBTaskResult.objects.exists()


def test_a_refused_email_is_retried_until_the_server_takes_it_and_sent_once(
    settings,
):
    settings.EMAIL_DELIVERY_BACKEND = REFUSING
    send_mail("Hello", "Body", None, ["alice@example.com"])

    background.run_ready_tasks()

    assert mail.outbox == []
    assert background.failed_tasks().count() == 0  # not given up: retried
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1

    settings.EMAIL_DELIVERY_BACKEND = ACCEPTING
    retries_due()
    background.run_ready_tasks()
    retries_due()
    background.run_ready_tasks()

    assert [message.to for message in mail.outbox] == [["alice@example.com"]]


def test_a_mail_server_that_never_comes_back_leaves_a_failed_delivery(settings):
    settings.EMAIL_DELIVERY_BACKEND = REFUSING
    send_mail("Hello", "Body", None, ["alice@example.com"])

    for _attempt in range(background.MAX_ATTEMPTS):
        retries_due()
        background.run_ready_tasks()

    failed = background.failed_tasks().get()
    assert failed.task_path == "core.mail.send_email"
    assert failed.exception_class_path == "smtplib.SMTPRecipientsRefused"
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()


timeouts = []


class TimeoutRecordingBackend(LocmemBackend):
    def __init__(self, *args, timeout=None, **kwargs):
        timeouts.append(timeout)
        super().__init__(*args, **kwargs)


def test_the_worker_sends_through_the_delivery_backend_with_email_timeout(settings):
    settings.EMAIL_DELIVERY_BACKEND = f"{__name__}.TimeoutRecordingBackend"
    settings.EMAIL_TIMEOUT = 7
    timeouts.clear()
    send_mail("Hello", "Body", None, ["alice@example.com"])

    background.run_ready_tasks()

    assert timeouts == [7]
    assert len(mail.outbox) == 1


def test_the_delivery_backend_cannot_be_the_queue_itself(settings):
    settings.EMAIL_DELIVERY_BACKEND = "core.mail.QueuedEmailBackend"

    with pytest.raises(ImproperlyConfigured):
        delivery_connection()


def test_attachments_go_through_the_queue_as_they_were_made():
    photo = bytes(range(256)) * 4  # not text: kept as bytes (base64 in the row)
    message = _message()
    message.attach("visit.ics", "BEGIN:VCALENDAR\r\n", "text/calendar; method=REQUEST")
    message.attach("paw.png", photo, "image/png")
    message.send()

    [row] = DBTaskResult.objects.all()
    json.dumps(row.args_kwargs)  # the row is JSON
    background.run_ready_tasks()

    [sent] = mail.outbox
    assert sent.attachments == [
        ("visit.ics", "BEGIN:VCALENDAR\r\n", "text/calendar; method=REQUEST"),
        ("paw.png", photo, "image/png"),
    ]
    parts = {
        part.get_filename(): part
        for part in sent.message().walk()
        if part.get_content_disposition() == "attachment"
    }
    assert parts["visit.ics"].get_content_type() == "text/calendar"
    assert parts["visit.ics"].get_param("method") == "REQUEST"
    assert parts["paw.png"].get_payload(decode=True) == photo


def test_a_task_queued_before_attachments_were_stored_still_sends():
    send_mail("Hello", "Body", None, ["alice@example.com"])
    row = DBTaskResult.objects.get()
    row.args_kwargs["args"][0].pop("attachments")
    row.save()

    background.run_ready_tasks()

    assert mail.outbox[0].attachments == []


@pytest.mark.parametrize("fail_silently", [False, True])
@pytest.mark.parametrize(
    "attachment",
    [
        ("big.pdf", b"x" * (MAX_ATTACHMENT_BYTES + 1), "application/pdf"),
        (MIMEText("made by hand"),),
    ],
    ids=["too-big", "mime-part"],
)
def test_an_attachment_the_queue_cannot_keep_is_refused_loudly(
    fail_silently, attachment
):
    message = _message()
    message.attach(*attachment)

    with pytest.raises(ValueError, match="attachment"):
        message.send(fail_silently=fail_silently)

    assert "256 KB" in ATTACHMENTS_ERROR
    assert not DBTaskResult.objects.exists()


@pytest.mark.parametrize("fail_silently", [False, True])
@pytest.mark.parametrize(
    "attachment",
    [
        ("a.txt\r\nBcc: evil@example.com\r\nX-Injected: 1", "hi", "text/plain"),
        ("a.txt\nX-Injected: 1", "hi", "text/plain"),
        ("a\x00.txt", "hi", "text/plain"),
        ("a.ics", "hi", "text/calendar; method=REQUEST\r\nX-Injected: 1"),
        ("a.ics", "hi", "text/calendar\u2028X-Injected: 1"),
    ],
    ids=["filename-crlf", "filename-lf", "filename-nul", "mimetype-crlf", "u2028"],
)
def test_a_line_break_in_an_attachment_header_is_refused_when_queued(
    fail_silently, attachment
):
    # The worker would fail at every attempt (BadHeaderError) and drop it:
    # the caller hears of it instead, and nothing is queued.
    message = _message()
    message.attach(*attachment)

    with pytest.raises(ValueError, match="line breaks"):
        message.send(fail_silently=fail_silently)

    assert not DBTaskResult.objects.exists()


def test_a_message_without_recipients_is_not_queued():
    assert EmailMessage("Hello", "Body", to=[]).send() == 0
    assert not DBTaskResult.objects.exists()


def test_email_url_names_the_delivery_backend_and_the_queue_takes_every_email():
    script = (
        "import json, django; django.setup();"
        "from django.conf import settings as s;"
        "print(json.dumps([s.EMAIL_BACKEND, s.EMAIL_DELIVERY_BACKEND,"
        " s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_TIMEOUT]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "healingpaws.settings",
        "EMAIL_URL": "smtp://mail.example:2525",
        "EMAIL_TIMEOUT": "4",
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == [
        "core.mail.QueuedEmailBackend",
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.example",
        2525,
        4,
    ]


@pytest.mark.parametrize("fail_silently", [False, True])
def test_a_message_the_queue_cannot_take_fails_unless_told_to_be_silent(
    monkeypatch, fail_silently
):
    queue = mock.Mock()
    queue.enqueue.side_effect = DatabaseError("the task table is gone")
    monkeypatch.setattr("core.mail.send_email", queue)
    message = EmailMessage("Hello", "Body", to=["alice@example.com"])

    if fail_silently:
        assert message.send(fail_silently=True) == 0
    else:
        with pytest.raises(DatabaseError):
            message.send()
