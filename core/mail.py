"""E-mail through the background queue: requests never wait for a mail server.

EMAIL_BACKEND is QueuedEmailBackend. Whatever sends an e-mail the Django way
(allauth's account e-mails, mail_admins, send_mail, EmailMessage.send) writes
a `send_email` task row instead, in the sender's transaction: a rollback sends
nothing, a commit loses nothing. The worker then sends the message through the
backend EMAIL_URL names (EMAIL_DELIVERY_BACKEND), giving up on a silent mail
server after EMAIL_TIMEOUT seconds; a refused attempt is retried with backoff
(core.background.retrying_task) until the server takes it.

The message is stored as it was made: rendered in its reader's language, with
its Date and Message-ID fixed at that moment, so every attempt sends the same
message and a receiving server can tell a rare second delivery (a worker
killed between the server's acceptance and the task's end) for what it is.

Attachments go with it, in the task's JSON: text as it is, bytes in base64.
They are for small files made with the message (a visit's calendar file),
so their total size is bounded (MAX_ATTACHMENT_BYTES); a large file is a
link to a download, never a task row of megabytes.
"""

import base64
import logging
from email.utils import formatdate
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import make_msgid
from django.utils.module_loading import import_string

from .background import retrying_task

logger = logging.getLogger("healingpaws.mail")

# What the queue keeps of a message's attachments, in all: a task row is
# read by the worker at every attempt, and a big file belongs behind a link.
MAX_ATTACHMENT_BYTES = 256 * 1024
ATTACHMENTS_ERROR = (
    "This attachment cannot go through the e-mail queue (core/mail.py): "
    "attachments are files given as (filename, content, mimetype), "
    f"{MAX_ATTACHMENT_BYTES // 1024} KB in all at most; send a link instead."
)
ATTACHMENT_HEADER_ERROR = (
    "An attachment's filename and mimetype must be text without line breaks "
    "or other control characters (core/mail.py): they become MIME headers."
)


class QueuedEmailBackend(BaseEmailBackend):
    """Turns each message into a `send_email` task (the worker sends it)."""

    def send_messages(self, email_messages):
        queued = 0
        for message in email_messages:
            if not message.recipients():
                continue
            data = message_to_data(message)  # refuses what it cannot store
            try:
                send_email.enqueue(data)
            except Exception:
                if not self.fail_silently:
                    raise
                continue
            queued += 1
        return queued


def message_to_data(message) -> dict:
    """What a task row keeps of a message: JSON, enough to make it again."""
    attachments = _attachments_to_data(message.attachments)
    headers = {str(name): str(value) for name, value in message.extra_headers.items()}
    names = {name.lower() for name in headers}
    if "date" not in names:
        headers["Date"] = formatdate(localtime=settings.EMAIL_USE_LOCALTIME)
    if "message-id" not in names:
        # The site's own domain: no DNS lookup (Django's default) in a request.
        headers["Message-ID"] = make_msgid(domain=urlsplit(settings.SITE_URL).hostname)
    alternatives = []
    for content, mimetype in getattr(message, "alternatives", []):
        if not isinstance(content, str):
            raise ValueError(ATTACHMENTS_ERROR)
        alternatives.append([content, mimetype])
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "content_subtype": message.content_subtype,
        "from_email": str(message.from_email),
        "to": [str(address) for address in message.to],
        "cc": [str(address) for address in message.cc],
        "bcc": [str(address) for address in message.bcc],
        "reply_to": [str(address) for address in message.reply_to],
        "headers": headers,
        "alternatives": alternatives,
        "attachments": attachments,
    }


def _attachments_to_data(attachments) -> list[dict]:
    stored, size = [], 0
    for attachment in attachments:
        if not isinstance(attachment, tuple) or len(attachment) != 3:
            raise ValueError(ATTACHMENTS_ERROR)  # a MIME part, made by hand
        filename, content, mimetype = attachment
        # Both end up in the part's headers: a line break would add headers
        # of the caller's choosing, and the worker's send would then fail
        # (BadHeaderError) at every attempt. Refused here, where the caller
        # sees it.
        for value in (filename, mimetype):
            if value is not None and not _header_safe(value):
                raise ValueError(ATTACHMENT_HEADER_ERROR)
        if isinstance(content, str):
            size += len(content.encode())
            part = {"text": content}
        elif isinstance(content, bytes):
            size += len(content)
            part = {"base64": base64.b64encode(content).decode("ascii")}
        else:
            raise ValueError(ATTACHMENTS_ERROR)
        if size > MAX_ATTACHMENT_BYTES:
            raise ValueError(ATTACHMENTS_ERROR)
        stored.append({"filename": filename, "mimetype": mimetype, **part})
    return stored


def _header_safe(value) -> bool:
    """Text with no control character (C0, DEL, C1, line or paragraph
    separators): what may go into a header parameter."""
    return isinstance(value, str) and not any(
        ord(char) < 32 or 127 <= ord(char) < 160 or char in "\u2028\u2029"
        for char in value
    )


def _attachment_from_data(part: dict) -> tuple:
    content = part["text"] if "text" in part else base64.b64decode(part["base64"])
    return (part["filename"], content, part["mimetype"])


def message_from_data(data: dict, *, connection=None) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
        alternatives=[tuple(part) for part in data["alternatives"]],
        # Tasks queued before attachments were stored have none.
        attachments=[_attachment_from_data(p) for p in data.get("attachments", [])],
        connection=connection,
    )
    message.content_subtype = data["content_subtype"]
    return message


def delivery_connection():
    """A connection to the real mail backend (EMAIL_URL's), for the worker:
    it raises when the server refuses, and waits at most EMAIL_TIMEOUT."""
    path = settings.EMAIL_DELIVERY_BACKEND
    if issubclass(import_string(path), QueuedEmailBackend):
        raise ImproperlyConfigured(
            "EMAIL_DELIVERY_BACKEND must send e-mails, not queue them again."
        )
    return get_connection(path, fail_silently=False, timeout=settings.EMAIL_TIMEOUT)


@retrying_task()
def send_email(message: dict) -> int:
    """Send a queued message; raises (and is retried) when the server refuses."""
    try:
        return message_from_data(message, connection=delivery_connection()).send()
    except Exception as error:
        logger.warning(
            "e-mail %r to %s not sent: %r",
            message["subject"],
            ", ".join(message["to"] + message["cc"] + message["bcc"]),
            error,
        )
        raise
