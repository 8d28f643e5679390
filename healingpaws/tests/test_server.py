"""daphne as the Procfile runs it, with large request bodies (server.py)."""

import errno
import http.client
import io
import json
import os
import socket
import time
from pathlib import Path
from unittest import mock

import pytest
from asgiref.sync import async_to_sync
from daphne import http_protocol
from django.conf import settings
from django.core.handlers import asgi as asgi_handlers
from twisted.internet.testing import StringTransport
from twisted.web import http as twisted_http

import healingpaws.asgi  # noqa: F401 (installs the request class, as daphne does)
from healingpaws import server
from healingpaws.tests import servers
from healingpaws.tests.servers import HOST

BODY_LIMIT = settings.REQUEST_BODY_MAX_BYTES


def test_daphne_builds_requests_that_leave_form_bodies_to_django():
    protocol = http_protocol.HTTPFactory(mock.MagicMock()).buildProtocol(None)

    request = protocol.requestFactory(mock.MagicMock(), 0)

    assert isinstance(request, server.WebRequest)
    assert request._parsePOSTFormSubmission is False


@pytest.fixture(scope="module")
def daphne(tmp_path_factory):
    with servers.daphne(tmp_path_factory.mktemp("daphne")) as (port, process):
        yield port, process.pid


def _post(port, path, content_length, body=None, **headers):
    """POST with a declared length, sending the body only if given."""
    connection = http.client.HTTPConnection(HOST, port, timeout=20)
    try:
        connection.putrequest("POST", path, skip_accept_encoding=True)
        connection.putheader("Content-Type", "multipart/form-data; boundary=xyz")
        connection.putheader("Content-Length", str(content_length))
        for name, value in headers.items():
            connection.putheader(name.replace("_", "-"), value)
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_a_declared_length_over_the_limit_is_answered_before_any_body_is_sent(
    daphne,
):
    port, _pid = daphne

    started = time.monotonic()
    status, headers, content = _post(
        port, "/pets/new/", 2_000_000_000, Accept_Language="zh-hans"
    )

    assert status == 413
    assert time.monotonic() - started < 10
    assert headers["Connection"] == "close"
    # Django's page in the visitor's language, not daphne's.
    assert "上传的文件太大" in content.decode()


def test_the_photo_uploader_gets_its_413_as_json(daphne):
    port, _pid = daphne

    status, headers, content = _post(
        port,
        "/pets/new/",
        BODY_LIMIT + 1,
        X_Requested_With="XMLHttpRequest",
        Expect="100-continue",
    )

    assert status == 413
    assert headers["Content-Type"] == "application/json"
    assert json.loads(content)["errors"]["__all__"]


def test_a_chunked_body_is_cut_off_once_over_the_limit(daphne):
    port, _pid = daphne
    head = (
        f"POST /pets/new/ HTTP/1.1\r\nHost: {HOST}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    chunk = b"%x\r\n%s\r\n" % (1024 * 1024, b"x" * 1024 * 1024)
    body = chunk * (BODY_LIMIT // (1024 * 1024) + 2)

    with socket.create_connection((HOST, port), timeout=20) as connection:
        connection.sendall(head)
        with pytest.raises(ConnectionError):  # refused mid-way: the server hangs up
            connection.sendall(body * 2)
        answer = connection.recv(200)

    assert answer.startswith(b"HTTP/1.1 413")


def _form_body(content):
    return (
        b'--xyz\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"'
        b"\r\nContent-Type: image/jpeg\r\n\r\n" + content + b"\r\n--xyz--\r\n"
    )


def _peak_rss(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux")
def test_a_form_body_under_the_limit_costs_daphne_about_its_size(daphne):
    """Twisted parsing the body into request.args cost 11-12 times its size."""
    port, pid = daphne
    size = 8 * 1024 * 1024
    # A first, small request pays for what daphne and Django load once.
    small = _form_body(b"\xff" * 1024)
    _post(port, "/no-such-page/", len(small), small)
    before = _peak_rss(pid)
    body = _form_body(b"\xff" * size)

    status, _headers, _content = _post(port, "/no-such-page/", len(body), body)

    assert status == 404
    assert _peak_rss(pid) - before < 3 * size


# The same, in this process: Twisted's channel fed by hand ------------------


class _Request(server.WebRequest):
    """Records that daphne would have handed the request to the application."""

    handed_over = []

    def process(self):
        self.handed_over.append(self)


def _channel():
    channel = twisted_http.HTTPChannel()
    channel.requestFactory = _Request
    channel.factory = mock.MagicMock()  # daphne's request asks it for the server
    channel.makeConnection(StringTransport())
    _Request.handed_over = []
    return channel


def _headers(*lines):
    return (
        "\r\n".join(["POST /pets/new/ HTTP/1.1", "Host: x", *lines]) + "\r\n\r\n"
    ).encode()


def test_a_declared_length_over_the_limit_is_handed_over_at_once_with_no_body(settings):
    settings.REQUEST_BODY_MAX_BYTES = 100
    channel = _channel()

    channel.dataReceived(_headers("Content-Length: 101", "Expect: 100-continue"))
    channel.dataReceived(b"x" * 101)  # sent anyway: held, never read as a body

    [request] = _Request.handed_over
    assert request.content.read() == b""
    assert request.requestHeaders.getRawHeaders(b"Content-Length") == [b"101"]
    assert request.responseHeaders.getRawHeaders(b"Connection") == [b"close"]
    assert not channel.persistent
    assert b"100 Continue" not in channel.transport.value()


def test_a_body_within_the_limit_is_read_as_usual(settings):
    settings.REQUEST_BODY_MAX_BYTES = 100
    channel = _channel()

    channel.dataReceived(_headers("Content-Length: 100") + b"x" * 100)

    [request] = _Request.handed_over
    assert request.content.read() == b"x" * 100
    assert channel.persistent


def test_a_chunked_body_over_the_limit_gets_a_bare_413_and_the_connection_closes(
    settings,
):
    settings.REQUEST_BODY_MAX_BYTES = 100
    channel = _channel()

    channel.dataReceived(_headers("Transfer-Encoding: chunked"))
    channel.dataReceived(b"40\r\n" + b"x" * 64 + b"\r\n")
    channel.dataReceived(b"40\r\n" + b"x" * 64 + b"\r\n")
    channel.dataReceived(b"40\r\n" + b"x" * 64 + b"\r\n")  # after the refusal

    assert _Request.handed_over == []
    assert channel.transport.value().startswith(b"HTTP/1.1 413 ")
    assert channel.transport.disconnecting


def test_a_body_twisted_cannot_spool_on_a_full_disk_gets_a_bare_503():
    channel = _channel()

    channel.dataReceived(_headers("Content-Length: 200000"))
    # Twisted's own spool file for a body this size, on a full disk.
    channel.requests[-1].content = _FullDisk()
    channel.dataReceived(b"x" * 1000)

    assert _Request.handed_over == []
    answer = channel.transport.value()
    assert answer.startswith(b"HTTP/1.1 503 ")
    head, body = answer.split(b"\r\n\r\n", 1)
    assert f"Content-Length: {len(body)}".encode() in head
    assert channel.transport.disconnecting


class _FullDisk(io.BytesIO):
    """A spool file on a full disk: it takes nothing."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


async def _post_through_handler(handler, language):
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/accounts/login/",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"accept-language", language)],
        "server": ("testserver", 80),
    }
    chunks = [
        {"type": "http.request", "body": b"x" * 1024, "more_body": True},
        {"type": "http.request", "body": b"x" * 1024, "more_body": False},
    ]
    sent = []

    async def receive():
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    await handler(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(
        m.get("body", b"") for m in sent if m["type"] == "http.response.body"
    )
    return status, body.decode()


@pytest.mark.parametrize(
    ("language", "text"), [(b"en", "Back in a moment"), (b"zh-hans", "马上回来")]
)
def test_a_body_that_a_full_disk_cannot_spool_gets_the_503_page(
    monkeypatch, language, text
):
    monkeypatch.setattr(asgi_handlers.tempfile, "SpooledTemporaryFile", _FullDisk)

    status, page = async_to_sync(_post_through_handler)(server.ASGIHandler(), language)

    assert status == 503
    assert text in page


def test_the_site_is_served_by_the_handler_that_answers_a_full_disk():
    assert isinstance(healingpaws.asgi.django_asgi_app, server.ASGIHandler)
