"""Logging helpers for settings.LOGGING."""

import logging
import re

# URLs whose last part is a secret that opens something by itself: a record's
# share link, a data export's download, allauth's e-mail confirmation and
# password reset keys. Log lines name the page, never the key.
SECRET_IN_PATH = re.compile(
    r"(/(?:shared|profile/data|confirm-email|password/reset/key)/)[^/\s?\"']+"
)


class RefusalWithoutTracebackFilter(logging.Filter):
    """Log a 4xx answer as one line, without the exception's traceback.

    Django logs a refusal (PermissionDenied -> 403, a disallowed host -> 400)
    with the exception that caused it: 30 lines for a customer who opened the
    admin. A refusal is expected behaviour, not a bug; its line still names the
    status and path. 5xx answers keep their tracebacks.
    """

    def filter(self, record):
        status_code = getattr(record, "status_code", None)
        if isinstance(status_code, int) and status_code < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class SecretPathFilter(logging.Filter):
    """Replace the secret part of such URLs in every log line with "…"."""

    def filter(self, record):
        message = record.getMessage()
        redacted = SECRET_IN_PATH.sub(r"\1…", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class RetriedTaskFilter(logging.Filter):
    """Leave out django_tasks' "failed" line, with its traceback, for an
    attempt that core.background.retrying_task has already enqueued again: the
    project's own warning names the task, the error and the next try in one
    line, and a mail outage would otherwise fill the log with tracebacks. The
    last attempt's failure is logged in full."""

    RETRIED = ("core.background", "RetryScheduled")

    def filter(self, record):
        if not record.exc_info or record.exc_info[0] is None:
            return True
        kind = record.exc_info[0]
        return (kind.__module__, kind.__qualname__) != self.RETRIED


def logging_config(*, level):
    """settings.LOGGING: everything to stdout in one plain format; `level` is
    the root logger's (Django's and the project's own log INFO and up)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        },
        "filters": {
            # Refusals (403, 404, 429, a disallowed host) are one line, not a
            # traceback.
            "refusals": {"()": "healingpaws.log.RefusalWithoutTracebackFilter"},
            "secrets": {"()": "healingpaws.log.SecretPathFilter"},
            "retried": {"()": "healingpaws.log.RetriedTaskFilter"},
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "plain",
                "filters": ["refusals", "secrets"],
            },
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            "django": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
            "healingpaws": {
                "handlers": ["stdout"],
                "level": "INFO",
                "propagate": False,
            },
            # A line per finished task at INFO: with live pushes as tasks,
            # one per push. Failures (ERROR) still show; the project's own
            # task modules log what matters (healingpaws.tasks).
            "django_tasks": {
                "handlers": ["stdout"],
                "filters": ["retried"],
                "level": "WARNING",
                "propagate": False,
            },
        },
    }
