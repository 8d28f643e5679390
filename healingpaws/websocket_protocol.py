"""autobahn, daphne's WebSocket protocol, made cheaper for each socket that
opens and closes (issue 14). asgi.py installs it, next to server.py.

For every connection autobahn writes its forty settings to a debug line with
pprint.pformat(), called before the logger decides to write: with debug
logging off, as in production, the text is thrown away, and making it took
10% of the GIL's time while 1,600 chat sockets opened (py-spy --gil,
bench/chat.py), the echo's sockets too. Here the text is made only if the
line is written.

A closed socket is freed at once rather than at the next full garbage
collection (heap.py): autobahn resolves the protocol's `is_closed` with the
protocol itself, a cycle that held the socket's objects (a hundred-odd with
its consumer) until a full collection, whose pause grew with every socket
closed since the last one.
"""

import pprint

from autobahn.websocket import protocol
from daphne import ws_protocol
from twisted.internet import defer


class _PrettyWhenWritten:
    """What pformat(value) makes, made when the log line is formatted."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __str__(self):
        return pprint.pformat(self.value)

    def __format__(self, spec):
        return format(str(self), spec)


def _timings_text(timings) -> str:
    return pprint.pformat(timings._timings)


class WebSocketProtocol(ws_protocol.WebSocketProtocol):
    def connectionLost(self, reason):
        super().connectionLost(reason)
        # Those waiting on is_closed have been told; one that asks later
        # still finds it resolved, without the protocol.
        self.is_closed = defer.succeed(None)


def install():
    protocol.pformat = _PrettyWhenWritten
    # The module's one caller that must return the text itself.
    protocol.Timings.__str__ = _timings_text
    # daphne's factory builds each connection's protocol from this attribute.
    ws_protocol.WebSocketFactory.protocol = WebSocketProtocol
