"""
daphne's HTTP request, made safe for large bodies. asgi.py installs it, so
every daphne that serves this project (Procfile, runserver, tests) uses it.

Twisted, under daphne, does two things with a request body before Django
sees it:

- It parses every multipart or urlencoded POST body into `request.args`,
  which daphne never reads (Django parses the body again): 11-12 times the
  body in memory, for anybody, on any URL (50 MiB cost +578 MiB). Turned
  off with Twisted's own switch, `parsePOSTFormSubmission=False`.
- It buffers the whole body (a temporary file) before the application is
  called, so a limit checked in Django comes after the upload has been read.
  A declared length over REQUEST_BODY_MAX_BYTES is therefore settled when
  the headers arrive: the request goes to Django at once with an empty body
  and its Content-Length intact, RequestBodyLimitMiddleware answers 413 in
  the visitor's language (JSON for the photo uploader), and the connection
  closes without reading the body. A body of undeclared length (chunked) is
  counted as it arrives and cut off with a bare 413 once over the limit;
  browsers never send those.

The proxy in front (deploy/nginx.conf) applies the same limit first; this is
the second line, for a daphne reached directly. (A client that sends a large
body without waiting may see the connection reset instead of the 413: closing
with unread data does that. nginx reads and drops such bodies for a while
before closing, "lingering close", so its 413 always arrives.)
"""

import asyncio
import errno
import io
import logging
from collections import deque
from contextlib import asynccontextmanager

from daphne import http_protocol
from django.conf import settings
from django.core.handlers import asgi
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

from . import heap
from .middleware import outage_response

logger = logging.getLogger(__name__)

# A refused request is worth retrying soon: the queue moves in seconds.
BUSY_RETRY_AFTER_SECONDS = 5

_TOO_LARGE = (
    b"HTTP/1.1 413 Content Too Large\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 25\r\n"
    b"Connection: close\r\n"
    b"\r\n"
    b"Request body too large.\r\n"
)

# Twisted spools a body over 100 KB to a temporary file too: on a full disk
# the visitor gets this, not a reset connection. (Django has not seen the
# request yet, so there is no page in the visitor's language to give.)
_DISK_FULL = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 59\r\n"
    b"Retry-After: 60\r\n"
    b"Connection: close\r\n"
    b"\r\n"
    b"The server cannot store your request now. Try again later.\n"
)


def _disk_full(error):
    return error.errno in (errno.ENOSPC, errno.EDQUOT)


class WebRequest(http_protocol.WebRequest):
    def __init__(self, *args, **kwargs):
        kwargs["parsePOSTFormSubmission"] = False
        super().__init__(*args, **kwargs)
        heap.keep_full_collections_quiet()
        self._body_bytes = 0
        self._body_refused = False

    def process(self):
        processing = super().process()
        channel = self.channel
        if self.transport is None and channel is not None and self in channel.requests:
            # daphne has handed the connection to a WebSocket protocol. This
            # request never finishes as HTTP, so it stays in its channel's
            # queue, each referring to the other: a cycle that only a full
            # collection frees, and with it the socket's hundred-odd objects
            # once it closes (heap.py). (Not in the queue: Twisted let go of
            # it already, and a ValueError here would drop the connection.)
            channel.requests.remove(self)
        return processing

    def gotLength(self, length):
        if length is None or length <= settings.REQUEST_BODY_MAX_BYTES:
            super().gotLength(length)
            return
        # Too large by its own account: hand Django the headers and no body.
        # Twisted takes a channel length of 0 as "the request is complete".
        self.content = io.BytesIO()
        self.channel.length = 0
        # What the client sends meanwhile is held (at most 16 KB, then TCP
        # back-pressure) and dropped with the connection after the answer.
        self.channel.persistent = False
        self.responseHeaders.setRawHeaders(b"Connection", [b"close"])
        # A client waiting for "100 Continue" gets the 413 instead.
        self.requestHeaders.removeHeader(b"Expect")

    def handleContentChunk(self, data):
        if self._body_refused:
            return
        self._body_bytes += len(data)
        if self._body_bytes > settings.REQUEST_BODY_MAX_BYTES:
            self._body_refused = True
            self.channel.transport.write(_TOO_LARGE)
            self.channel.loseConnection()
            return
        try:
            super().handleContentChunk(data)
        except OSError as error:
            if not _disk_full(error):
                raise
            self._body_refused = True
            self.channel.transport.write(_DISK_FULL)
            self.channel.loseConnection()


def install():
    """Make daphne build our WebRequest: its HTTPFactory reads the module's
    name for every new connection."""
    http_protocol.WebRequest = WebRequest


class BodyNotStored(Exception):
    """The request body could not be spooled to a temporary file."""


class RequestLimit:
    """At most `running` requests of this process at once, `waiting` more
    waiting their turn in arrival order, and the rest refused at once.

    Django 5.2's ASGI handler runs every request's sync code in a thread of
    its own, unbounded: at 32 requests in flight, 38 threads fought over the
    GIL, two cores and DATABASE_POOL_SIZE connections, and a page's throughput
    fell by a third (bench/README.md). Past the limit a request waits here, on
    the event loop, holding no thread and no connection.
    """

    def __init__(self, *, running, waiting):
        self.running = running
        self.waiting = waiting
        self.now_running = 0
        self._queue = deque()  # futures of the waiting requests, oldest first

    @property
    def now_waiting(self):
        return len(self._queue)

    @asynccontextmanager
    async def slot(self):
        """Yields True once the request may run, False if it is refused."""
        if self.now_running < self.running and not self._queue:
            self.now_running += 1
        elif len(self._queue) >= self.waiting:
            yield False
            return
        else:
            # A future of the running loop, not a lock bound to one loop: the
            # tests call the site's handler from many.
            turn = asyncio.get_running_loop().create_future()
            self._queue.append(turn)
            try:
                await turn  # a finishing request hands its place over
            except asyncio.CancelledError:
                if turn in self._queue:
                    self._queue.remove(turn)
                elif not turn.cancelled():
                    self._release()  # handed a place just as it gave up
                raise
        try:
            yield True
        finally:
            self._release()

    def _release(self):
        while self._queue:
            turn = self._queue.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.now_running -= 1


def busy_response(request) -> HttpResponse:
    """The 503 page for a request this process has no room for: nothing is
    down, so no error is logged, and the page reads no session or database."""
    logger.warning("too busy for %s", request.path)
    page = render_to_string("503.html", {"busy": True})
    response = HttpResponse(page, status=503)
    response["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS)
    return response


class ASGIHandler(asgi.ASGIHandler):
    """Django's ASGI handler, which runs at most WEB_CONCURRENCY_LIMIT requests
    at once (RequestLimit) and answers a body it cannot store with the
    503 page.

    The limit is 4 by default. Pages are Python work under one GIL, and more
    at once only wait for it and for asgiref's locks: Django's active language
    is an asgiref Local, whose every read takes one lock for the whole
    process (45% of the samples of requests at 8 at once, py-spy).
    bench/reservations.py on PostgreSQL, 8 in flight, one run each: My pets
    79 req/s at 4 at once, 87 at 2, 73 at 8; the changelists 25-30, 26-32,
    16-24. Four leave room for a request that waits (a certificate, an
    upload).

    Django spools a body over FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file
    before any middleware or handler500 runs; on a full disk its OSError went
    up to daphne, whose bare 500 says nothing. A full disk met later (an
    upload's own file) already gets this page or a form error.
    """

    def __init__(self):
        super().__init__()
        self.limit = RequestLimit(
            running=settings.WEB_CONCURRENCY_LIMIT,
            waiting=settings.WEB_QUEUE_LIMIT,
        )

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":  # lifespan: Django refuses it as before
            return await super().__call__(scope, receive, send)
        async with self.limit.slot() as admitted:
            if admitted:
                return await super().__call__(scope, receive, send)
        # daphne has read the body already; the refusal leaves it unread.
        await self._send_page(scope, send, busy_response)

    async def read_body(self, receive):
        try:
            return await super().read_body(receive)
        except OSError as error:
            if not _disk_full(error):
                raise
            raise BodyNotStored from error

    async def handle(self, scope, receive, send):
        try:
            await super().handle(scope, receive, send)
        except BodyNotStored as error:
            disk_error = error.__cause__
            await self._send_page(
                scope, send, lambda request: outage_response(request, disk_error)
            )

    async def _send_page(self, scope, send, page):
        """Answer `page(request)` in the visitor's language, from before any
        middleware runs (the request has no body, session or user)."""
        request, refusal = self.create_request(scope, io.BytesIO())
        if request is None:
            response = refusal
        else:
            language = translation.get_language_from_request(request)
            with translation.override(language):
                response = page(request)
        await self.send_response(response, send)
