"""The webhook sender's own limits (core/webhook_http.py): a deadline for the
whole exchange, and the addresses it refuses."""

import socket
import threading
import time

import pytest

from core import webhook_http
from core.webhook_http import is_public


def _dripping_server(stage: str, seconds: float) -> str:
    """A receiver that answers one byte every 0.2 s, in its headers or in
    its body, for `seconds`."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve():
        conn, _ = listener.accept()
        with conn, listener:
            conn.recv(65536)
            if stage == "body":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n")
            else:  # the status line, then a header a byte at a time
                conn.sendall(b"HTTP/1.1 200 OK\r\nX-Drip: ")
            end = time.monotonic() + seconds
            try:
                while time.monotonic() < end:
                    conn.sendall(b"a")
                    time.sleep(0.2)
            except OSError:
                pass  # the sender hung up: what we want

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}/hook"


@pytest.mark.parametrize("stage", ["headers", "body"])
def test_a_receiver_dripping_its_answer_is_cut_at_the_deadline(
    settings, monkeypatch, stage
):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    monkeypatch.setattr(webhook_http, "TOTAL_TIMEOUT", 1.0)  # stands for 10 s
    url = _dripping_server(stage, seconds=5.0)

    started = time.monotonic()
    with pytest.raises(TimeoutError, match="longer than 1 s"):
        webhook_http.post(url, body=b"{}", headers={})

    # A bound on a hang (each byte came well within the read timeout), not a
    # performance figure.
    assert time.monotonic() - started < 2.5


def test_a_receiver_silent_in_the_tls_handshake_is_cut_at_the_deadline(
    settings, monkeypatch
):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    monkeypatch.setattr(webhook_http, "TOTAL_TIMEOUT", 1.0)  # under the 3 s connect
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers the hello

    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError, match="longer than 1 s"):
            webhook_http.post(
                f"https://127.0.0.1:{listener.getsockname()[1]}/hook",
                body=b"{}",
                headers={},
            )
    finally:
        listener.close()

    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize(
    "address",
    [
        "fec0::1",  # the old site-local block
        "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254 (cloud metadata)
        "2001:0:a00:1::1",  # Teredo through 10.0.0.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
    ],
)
def test_ipv6_forms_of_inside_addresses_are_refused(address):
    assert not is_public(address)


@pytest.mark.parametrize(
    "address",
    ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "2002:808:808::1"],
)
def test_public_addresses_pass(address):
    assert is_public(address)
