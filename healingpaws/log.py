"""Logging helpers for settings.LOGGING."""

import logging


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
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "plain",
                "filters": ["refusals"],
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
        },
    }
