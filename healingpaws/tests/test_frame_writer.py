"""A broadcast's frame written straight to the connection under daphne
(healingpaws/frame_writer.py): the bytes a client reads, their order with
the frames sent the usual way, and when the writer declines."""

import json
import sys

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from core.sockets import FRAME_WRITER_EXTENSION
from healingpaws.frame_writer import FrameWriterMiddleware, text_frame
from healingpaws.tests.servers import HOST, free_port, running

# Payloads in bytes, at the edges of the header's three length forms (7
# bits, 16, 64).
SIZES = (2, 125, 126, 0xFFFF, 0x10000)


@pytest.fixture(scope="module")
def frames_url(tmp_path_factory):
    port = free_port()
    command = [sys.executable, "-m", "daphne", "-b", HOST, "-p", str(port)]
    command.append("healingpaws.tests.frame_app:application")
    log = tmp_path_factory.mktemp("frame_writer") / "daphne.log"
    with running(command, log, port=port):
        yield f"ws://{HOST}:{port}/"


def _run(socket, script):
    """The texts the client reads for `script`, and the writes' answers."""
    socket.send(json.dumps(script))
    texts = []
    while not isinstance(text := json.loads(socket.recv(timeout=10)), list):
        texts.append(text)
    kind, results = text
    assert kind == "results"
    return texts, results


def _quoted(text):
    return json.dumps(text)  # each frame a JSON string, the results a list


def test_direct_frames_reach_the_client_whole_and_in_order(frames_url):
    texts = ["x" * (size - 2) for size in SIZES]  # quoted: `size` bytes
    texts.append("病历 🐾")
    script = [["usual", _quoted("first")]]
    script += [["direct", _quoted(text)] for text in texts]
    script += [["usual", _quoted("between")], ["direct", _quoted("last")]]
    with connect(frames_url, max_size=None) as socket:
        received, results = _run(socket, script)
    # A direct frame right after a usual one, which Twisted still holds in
    # its buffer in this turn of the loop, is queued behind it, not sent first.
    assert received == ["first", *texts, "between", "last"]
    assert results == [True] * (len(texts) + 1)


@pytest.mark.parametrize(
    ("size", "header"),
    [
        (125, b"\x81\x7d"),
        (126, b"\x81\x7e\x00\x7e"),
        (0xFFFF, b"\x81\x7e\xff\xff"),
        (0x10000, b"\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00"),
    ],
)
def test_a_frame_has_the_shortest_header_its_length_allows(size, header):
    # RFC 6455 5.2: final text frame, unmasked, the minimal length form.
    assert text_frame("x" * size) == header + b"x" * size


def test_the_same_text_is_framed_once(frames_url):
    text = _quoted("to every page")
    assert text_frame(text) is text_frame(text)
    with connect(frames_url) as socket:
        received, results = _run(socket, [["direct", text]] * 3)
    assert received == ["to every page"] * 3
    assert results == [True] * 3


def test_a_closing_socket_is_not_written_to(frames_url):
    with connect(frames_url) as socket:
        socket.send(json.dumps([["close", ""], ["direct", _quoted("after")]]))
        # The results frame is sent the usual way after the close: autobahn
        # drops it; the client hears the close, not the frame.
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=10)
    assert closed.value.rcvd.code == 4000
    with connect(frames_url) as socket:
        _received, results = _run(socket, [["previous", ""]])
    assert results == [[False]]  # the write after the close declined


def test_over_daphnes_message_limit_the_writer_declines(frames_url):
    over_a_mebibyte = ["direct", "x", 1024 * 1024 + 1]  # daphne's default limit
    with connect(frames_url) as socket:
        received, results = _run(socket, [over_a_mebibyte, ["direct", '"small"']])
    assert received == ["small"]
    assert results == [False, True]


@pytest.mark.asyncio
async def test_no_writer_is_offered_but_under_daphne():
    seen = []

    async def inner(scope, receive, send):
        seen.append(scope.get("extensions") or {})

    async def send(message):
        pass

    await FrameWriterMiddleware(inner)({"type": "websocket"}, None, send)
    assert FRAME_WRITER_EXTENSION not in seen[0]
