"""daphne's WebSocket connections made cheaper (healingpaws/websocket_protocol.py
and server.py, installed by asgi.py): autobahn's debug line of each socket's
settings made only if written, and a closed connection freed at once."""

import gc
import queue
import weakref

from autobahn.websocket import protocol
from daphne import ws_protocol
from twisted.internet.error import ConnectionDone
from twisted.internet.testing import StringTransport
from twisted.python.failure import Failure
from twisted.web import http as twisted_http

import healingpaws.asgi  # noqa: F401 (installs it, as for daphne)
from healingpaws import server, websocket_protocol

SETTINGS = [("openHandshakeTimeout", 5, "WebSocketServerFactory")]


def test_the_settings_text_is_made_when_the_line_is_written(monkeypatch):
    made = []

    def pformat(value):
        made.append(value)
        return "the settings"

    monkeypatch.setattr(websocket_protocol.pprint, "pformat", pformat)
    text = protocol.pformat(SETTINGS)  # as each connection does
    assert made == []

    assert f"\n{text}" == "\nthe settings"
    assert made == [SETTINGS]


def test_timings_still_read_as_text():
    timings = protocol.Timings()
    timings.track("onOpen")

    assert isinstance(str(timings), str)
    assert "onOpen" in str(timings)


class _Daphne:
    """What daphne's request and WebSocket protocol ask of their server."""

    root_path = ""
    proxy_forwarded_address_header = None
    proxy_forwarded_port_header = None
    proxy_forwarded_proto_header = None

    def __init__(self):
        self.connections = {}
        self.server = self  # the HTTP channel's factory is daphne's too
        self.ws_factory = ws_protocol.WebSocketFactory(self, server="daphne")

    def protocol_connected(self, connection):
        self.connections[connection] = {}

    def protocol_disconnected(self, connection):
        self.connections[connection].setdefault("disconnected", True)

    def create_application(self, connection, scope):
        return queue.SimpleQueue()

    def log_action(self, *args):
        pass


_UPGRADE = (
    b"GET /ws/notifications/ HTTP/1.1\r\n"
    b"Host: 127.0.0.1\r\n"
    b"Origin: http://127.0.0.1\r\n"
    b"Upgrade: websocket\r\n"
    b"Connection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n"
    b"\r\n"
)


def test_a_closed_connection_is_freed_without_a_full_collection():
    """The upgraded HTTP request stayed in its channel's queue, and autobahn
    resolves is_closed with the protocol itself: two cycles, which held a
    closed socket's objects until a full collection (healingpaws/heap.py)."""
    daphne = _Daphne()
    channel = twisted_http.HTTPChannel()
    channel.requestFactory = server.WebRequest
    channel.factory = daphne
    transport = StringTransport()
    channel.makeConnection(transport)
    gc.disable()
    try:
        channel.dataReceived(_UPGRADE)
        connection = transport.protocol
        connection.serverAccept()  # the application's websocket.accept
        assert transport.value().startswith(b"HTTP/1.1 101 ")
        # The client goes. Twisted's TCP transport lets go of its protocol
        # and producer first, as this one is told to.
        transport.producer = transport.protocol = None
        connection.connectionLost(Failure(ConnectionDone()))
        [request] = [c for c in daphne.connections if isinstance(c, server.WebRequest)]
        assert connection.is_closed.called
        freed = [weakref.ref(o) for o in (channel, request, connection)]
        del channel, request, connection, transport
        daphne.connections.clear()  # daphne's checker reaps both, every second

        assert [ref() for ref in freed] == [None, None, None]
    finally:
        gc.enable()
