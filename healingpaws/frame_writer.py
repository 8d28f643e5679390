"""A broadcast's frame made once and written straight to each page's
connection, under daphne (issue 14). asgi.py installs the middleware.

Through Channels and daphne one page's frame went: the consumer's send(),
Channels' session wrapper, daphne's handle_reply() and serverSend() (which
encodes the text again), autobahn's sendMessage(), sendFrame() and
sendData(), then Twisted's write(), which buffers it and has the event loop
watch the socket (an epoll call), sends it at the loop's next turn and stops
watching (a second). A chat message to 200 open pages did it 200 times: 37 µs
of the GIL a page, 7.4 ms a message, a third of daphne's time at 35 messages
a second (py-spy --gil, bench/chat.py). The plain `websockets` server the
chat is measured against frames a broadcast once and writes the same bytes to
every connection (websockets.broadcast); so does this, for the consumers
that ask (core.consumers.LiveSocketConsumer.push_text): the frame is made
once for each text, and sent at once when nothing waits in Twisted's buffer
(else queued behind it, in order), as asyncio's own transports do.

It applies only where nothing of autobahn's would change the bytes or their
order: the socket open, no frame of autobahn's queued, no compression, no
fragmenting or size limit the frame reaches, no frame logging. Otherwise
write() answers False, and the consumer sends the usual way, which does all
that (and raises what it raises). autobahn's traffic counters, which nothing
here reads, do not count these frames.
"""

import functools
import struct

from autobahn.websocket.protocol import WebSocketProtocol
from daphne.server import Server
from twisted.internet import tcp

from core.sockets import FRAME_WRITER_EXTENSION

# A final text frame (RFC 6455 5.2), unmasked as a server's frames are.
_FIN_TEXT = 0x81


class FrameWriterMiddleware:
    """Offers each socket served by daphne a writer of whole text frames,
    as the ASGI extension FRAME_WRITER_EXTENSION: {"write": write(text)}."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        connection = _daphne_connection(send)
        if scope["type"] == "websocket" and connection is not None:
            write = functools.partial(write_frame, *connection)
            extensions = {**(scope.get("extensions") or {})}
            extensions[FRAME_WRITER_EXTENSION] = {"write": write}
            scope = {**scope, "extensions": extensions}
        return await self.inner(scope, receive, send)


def _daphne_connection(send):
    """daphne's server and the socket's protocol behind the ASGI send(), which
    daphne makes as partial(server.handle_reply, protocol); else None (another
    server, the tests' communicator)."""
    if not isinstance(send, functools.partial) or len(send.args) != 1:
        return None
    handle_reply, (protocol,) = send.func, send.args
    if getattr(handle_reply, "__func__", None) is not Server.handle_reply:
        return None
    if not isinstance(protocol, WebSocketProtocol):
        return None
    return handle_reply.__self__, protocol


def write_frame(server, protocol, text: str) -> bool:
    """Write `text` as one frame if nothing of autobahn's stands in the way
    (see the module's docstring); False if it was not written."""
    if (
        protocol.state != WebSocketProtocol.STATE_OPEN
        or protocol.send_queue
        or protocol._perMessageCompress is not None
        or protocol.logFrames
        or protocol.logOctets
        or server.connections.get(protocol, {}).get("disconnected")
    ):
        return False
    frame = text_frame(text)
    if 0 < protocol.maxMessagePayloadSize < len(frame) or (
        0 < protocol.autoFragmentSize < len(frame)
    ):
        return False
    _write_now(protocol.transport, frame)
    return True


@functools.lru_cache(maxsize=32)
def text_frame(text: str) -> bytes:
    """The frame of `text`: the same bytes for every page it goes to (the
    pages of a broadcast are handed the same str, whose hash is kept)."""
    payload = text.encode()
    length = len(payload)
    if length <= 125:
        header = struct.pack("!BB", _FIN_TEXT, length)
    elif length <= 0xFFFF:
        header = struct.pack("!BBH", _FIN_TEXT, 126, length)
    else:
        header = struct.pack("!BBQ", _FIN_TEXT, 127, length)
    return header + payload


def _write_now(transport, frame: bytes) -> None:
    """Twisted's write(), sending at once when nothing is waiting to be sent
    (one send(), where Twisted waits for the loop's next turn with two epoll
    calls around it); what the socket does not take now is queued as
    write() would."""
    if (
        isinstance(transport, tcp.Connection)
        and transport.connected
        and not transport.disconnecting
        and not transport._writeDisconnecting
        and not transport.dataBuffer
        and not transport._tempDataLen
    ):
        try:
            sent = transport.socket.send(frame)
        except OSError:  # full, or broken: Twisted's write() finds out
            sent = 0
        frame = frame[sent:]
    if frame:
        transport.write(frame)
