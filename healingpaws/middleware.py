import json
import logging
import re
import time
from contextlib import ExitStack

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from psycopg import OperationalError as PsycopgOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("healingpaws.slow")


class SlowRequestLogMiddleware:
    """Log requests slower than SLOW_REQUEST_SECONDS and queries slower than
    SLOW_QUERY_SECONDS, with the request path, in any environment."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        timer = _QueryTimer(request.path)
        with ExitStack() as wrappers:
            for alias in connections:
                wrappers.enter_context(connections[alias].execute_wrapper(timer))
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        if elapsed > settings.SLOW_REQUEST_SECONDS:
            logger.warning(
                "slow request: %s %s took %.3fs (status %s)",
                request.method,
                request.path,
                elapsed,
                response.status_code,
            )
        return response


class _QueryTimer:
    def __init__(self, path):
        self.path = path

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            if elapsed > settings.SLOW_QUERY_SECONDS:
                logger.warning(
                    "slow query on %s: %.3fs: %s", self.path, elapsed, sql[:500]
                )


# What an outage of the database or Redis raises, as opposed to a bug. The
# pool's PoolTimeout (no free connection: the database is down or every
# connection is busy) is a psycopg OperationalError, and may escape Django's
# own wrapping; redis-py raises TimeoutError for a server that stopped answering.
OUTAGE_ERRORS = (
    OperationalError,
    InterfaceError,
    PsycopgOperationalError,
    RedisConnectionError,
    RedisTimeoutError,
)
RETRY_AFTER_SECONDS = 30


def outage_response(request, error) -> HttpResponse:
    """The 503 page, rendered without the request's context.

    The context processors (the navbar's unread counts) and the session would
    ask the database or Redis that just failed: the page needs neither.
    """
    logger.error("service unavailable on %s: %r", request.path, error)
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class ServiceUnavailableMiddleware:
    """Answer 503 with a clear page when the database or Redis is unreachable.

    This sees the views' exceptions. An outage met by a middleware (the
    session or the user read by the language middleware) never reaches
    process_exception: Django turns it into a 500 where it happens, through
    handler500, which answers the same page (healingpaws.views.server_error).

    Nothing is retried here: redis-py reconnects and the database pool checks
    connections on checkout, so the next request after the service returns
    simply works. The page says so instead of a bare "server error".
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OUTAGE_ERRORS):
            return None
        return outage_response(request, exception)


# A NUL cannot be stored in PostgreSQL text (a DataError at the query) and a
# lone surrogate cannot be encoded to UTF-8 for either database.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_INPUT_ERROR = _lazy(
    "This request contains characters that cannot be accepted "
    "(a NUL or a broken Unicode character). Please go back and try again."
)
# The API's words for it, in its error shape (healingpaws/api.py error_body).
API_UNSTORABLE_INPUT_ERROR = _lazy(
    "This request contains characters that cannot be accepted "
    "(a NUL or a broken Unicode character)."
)
API_PATH_PREFIX = "/api/"


class UnstorableInputMiddleware:
    """Refuse (400) a request carrying text no database can store.

    Forms refuse a NUL in their text fields, but the admin's filters, search
    and autocomplete, ?date= and similar parameters, cookies (the session key)
    and JSON bodies hand values to the ORM directly, and PostgreSQL answers
    with a DataError (a 500). One check here covers every one of them: the
    path, query parameters, form fields, cookies, headers and JSON strings.
    Query strings and form bodies reach Django as text with bad UTF-8 already
    replaced (U+FFFD), so a lone surrogate can only come in through JSON's
    \\uXXXX escapes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _request_is_unstorable(request):
            if request.path_info.startswith(API_PATH_PREFIX):
                # The API answers in its one error shape (healingpaws/api.py),
                # in its own words: an app has no page to go back to.
                return JsonResponse(
                    {
                        "code": "invalid",
                        "message": str(API_UNSTORABLE_INPUT_ERROR),
                        "fields": {},
                    },
                    status=400,
                )
            return HttpResponseBadRequest(
                render_to_string("400.html", {"explanation": UNSTORABLE_INPUT_ERROR})
            )
        return self.get_response(request)


def _request_is_unstorable(request):
    texts = [request.path]
    for mapping in (request.GET, request.COOKIES):
        texts.extend(_keys_and_values(mapping))
    texts.extend(
        value
        for key, value in request.META.items()
        if key.startswith("HTTP_") and isinstance(value, str)
    )
    if any(_UNSTORABLE.search(text) for text in texts):
        return True
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return False
    if request.content_type == "application/json":
        return _json_is_unstorable(request.body)
    return any(_UNSTORABLE.search(text) for text in _keys_and_values(request.POST))


def _keys_and_values(mapping):
    items = mapping.lists() if hasattr(mapping, "lists") else mapping.items()
    for key, values in items:
        yield key
        yield from values if isinstance(values, list) else [values]


def _json_is_unstorable(body):
    try:
        document = json.loads(body)
    except RecursionError:
        # Nested too deep to decode: no endpoint takes such a thing, and the
        # view would fail on it the same way, as a 500.
        return True
    except ValueError:  # not JSON: the view says so in its own words
        return False
    # Walked with a stack, not recursion: the document can be deep.
    pending = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class RequestBodyLimitMiddleware:
    """Refuse a request whose declared body exceeds REQUEST_BODY_MAX_BYTES (413).

    Answered from the Content-Length header, before Django parses the body or
    spools uploaded files to disk. Under daphne such a request arrives with
    its headers only (healingpaws/server.py stops daphne reading the body),
    so this must stay before anything that reads request.POST; the proxy in
    front (deploy/nginx.conf) refuses it even earlier.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.REQUEST_BODY_MAX_BYTES:
            return self._too_large(request)
        return self.get_response(request)

    def _too_large(self, request):
        message = _("The upload is too large; the limit is %(limit)s.") % {
            "limit": filesizeformat(settings.IMAGE_UPLOAD_MAX_BYTES)
        }
        if request.headers.get("X-Requested-With") == "XMLHttpRequest":
            return JsonResponse({"errors": {"__all__": [message]}}, status=413)
        return render(request, "413.html", {"explanation": message}, status=413)
