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
