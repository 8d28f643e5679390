"""Sending a webhook without letting its URL reach inside the network (SSRF).

A target must be https and resolve to public addresses only: private,
loopback, link-local, multicast, reserved and unspecified addresses (and IPv6
forms of them) are refused, when the endpoint is registered and again at
every send. At send time the name is resolved once, every address checked,
and the connection made to a checked address, with the Host header and TLS
name (SNI, certificate check) kept as the name: a DNS answer that changes
between the check and the connection (DNS rebinding) cannot move it.
WEBHOOKS_ALLOW_PRIVATE_TARGETS (off by default) lets operators, and the
tests, use private addresses and plain http.

No redirect is followed, the connection waits at most 3 s and the whole
exchange 10 s, and at most RESPONSE_CAP bytes of the answer are read. The 10 s
are a deadline, not a timeout per read: a receiver that drips its headers or
its body a byte at a time is cut there (_Deadline), so a delivery never holds
the worker longer.
"""

import contextlib
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
import urllib3.connection
from django.conf import settings
from django.utils.translation import gettext_lazy as _

CONNECT_TIMEOUT = 3.0
TOTAL_TIMEOUT = 10.0
RESPONSE_CAP = 4096

HTTPS_ONLY_ERROR = _("Use an https:// address.")
PRIVATE_TARGET_ERROR = _(
    "This address leads inside a private network (%(address)s): webhooks go "
    "to public addresses only."
)
UNRESOLVED_ERROR = _("This host name cannot be found.")
BAD_URL_ERROR = _("Enter a full URL with a host name.")


class TargetRefused(Exception):
    """The URL may not be called; str() says why, for operators."""


@dataclass(frozen=True)
class Answer:
    status: int
    duration_ms: int
    body: bytes


def _allow_private() -> bool:
    return settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        else:
            # 6to4 and Teredo carry an IPv4 address that a relay may reach:
            # it must pass the same checks. fec0::/10 (the old site-local
            # addresses) still routes inside some networks.
            embedded = [ip.sixtofour, *(ip.teredo or ())]
            if ip.is_site_local or not all(
                _ipv4_public(inner) for inner in embedded if inner is not None
            ):
                return False
    return _ipv4_public(ip)


def _ipv4_public(ip) -> bool:
    return ip.is_global and not (
        ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local
    )


def checked_target(url: str) -> tuple[str, str, int, list[str]]:
    """(scheme, host, port, addresses) for a URL that may be called; raises
    TargetRefused otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetRefused(BAD_URL_ERROR) from None
    host = parts.hostname
    if not host:
        raise TargetRefused(BAD_URL_ERROR)
    if parts.scheme != "https" and not (_allow_private() and parts.scheme == "http"):
        raise TargetRefused(HTTPS_ONLY_ERROR)
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise TargetRefused(UNRESOLVED_ERROR) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise TargetRefused(UNRESOLVED_ERROR)
    if not _allow_private():
        for address in addresses:
            if not is_public(address):
                raise TargetRefused(str(PRIVATE_TARGET_ERROR % {"address": address}))
    return parts.scheme, host, port, addresses


class _Deadline:
    """The end of the whole exchange: at TOTAL_TIMEOUT a timer shuts the
    connection's socket down, which ends a read blocked in any stage (TLS
    handshake, headers, body) at once. urllib3's read timeout alone is per
    recv(): a byte every 9 s would pass it for hours."""

    def __init__(self, seconds: float):
        self.expired = False
        self._lock = threading.Lock()
        self._sockets = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        # A duplicate of the descriptor: TLS wrapping detaches the socket
        # object, and shutdown() acts on the connection whichever names it.
        with self._lock:
            if self.expired:
                sock.close()
                raise TimeoutError(_too_long())
            self._sockets.append(sock.dup())

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                with contextlib.suppress(OSError):  # the other side closed it
                    sock.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()


def _too_long() -> str:
    return f"the receiver took longer than {TOTAL_TIMEOUT:g} s"


class _Watched:
    """A connection whose socket is given to the exchange's _Deadline."""

    def __init__(self, *args, deadline: _Deadline, **kwargs):
        super().__init__(*args, **kwargs)
        self._deadline = deadline

    def _new_conn(self):
        sock = super()._new_conn()
        self._deadline.watch(sock)
        return sock


class _HTTPConnection(_Watched, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_Watched, urllib3.connection.HTTPSConnection):
    pass


class HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


def post(url: str, *, body: bytes, headers: dict) -> Answer:
    """POST the body to a checked address of the URL's host; raises
    TargetRefused, TimeoutError past TOTAL_TIMEOUT, or urllib3's errors when
    the exchange fails."""
    scheme, host, port, addresses = checked_target(url)
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    address = addresses[0]
    host_header = host if port in (80, 443) else f"{host}:{port}"
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT, read=TOTAL_TIMEOUT)
    started = time.monotonic()
    deadline = _Deadline(TOTAL_TIMEOUT)
    options = {"timeout": timeout, "retries": False, "maxsize": 1, "deadline": deadline}
    if scheme == "https":
        pool = HTTPSPool(
            address,
            port,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
            **options,
        )
    else:
        pool = HTTPPool(address, port, **options)
    try:
        response = pool.urlopen(
            "POST",
            path,
            body=body,
            headers={**headers, "Host": host_header},
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            received = _read_capped(response, started)
        finally:
            response.release_conn()
    except Exception as failure:
        if deadline.expired:
            raise TimeoutError(_too_long()) from failure
        raise
    finally:
        deadline.stop()
        pool.close()
    if deadline.expired:  # cut short: what was read may be a part
        raise TimeoutError(_too_long())
    duration_ms = int((time.monotonic() - started) * 1000)
    return Answer(status=response.status, duration_ms=duration_ms, body=received)


def _read_capped(response, started: float) -> bytes:
    received = b""
    while len(received) < RESPONSE_CAP:
        if time.monotonic() - started > TOTAL_TIMEOUT:
            raise TimeoutError(_too_long())
        chunk = response.read(RESPONSE_CAP - len(received), decode_content=False)
        if not chunk:
            break
        received += chunk
    return received
