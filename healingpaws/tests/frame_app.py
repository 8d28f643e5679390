"""A bare ASGI socket behind FrameWriterMiddleware, for
test_frame_writer.py to run under daphne.

Each frame from the client is a script of sends, [["usual" | "direct", text,
times=1], ...] (the text repeated `times` over), done in one turn of the
loop; then a frame "results" with what each direct write answered.
["close"] closes the socket; ["previous"] answers the previous script's
results (a later socket asks what the writes after a close answered)."""

import json

from core.sockets import FRAME_WRITER_EXTENSION
from healingpaws.frame_writer import FrameWriterMiddleware

previous_results = []


async def frames(scope, receive, send):
    offered = (scope.get("extensions") or {}).get(FRAME_WRITER_EXTENSION)
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    while (message := await receive())["type"] == "websocket.receive":
        results = []
        for kind, text, *times in json.loads(message["text"]):
            text *= times[0] if times else 1
            if kind == "previous":
                results.append(list(previous_results))
            elif kind == "close":
                await send({"type": "websocket.close", "code": 4000})
            elif kind == "usual":
                await send({"type": "websocket.send", "text": text})
            else:
                results.append(offered is not None and offered["write"](text))
        previous_results[:] = results
        await send({"type": "websocket.send", "text": json.dumps(["results", results])})


application = FrameWriterMiddleware(frames)
