"""The plain baseline of bench/chat.py: a broadcast server on the `websockets`
library alone, run as `python bench/_plain.py PORT`.

Every frame a socket sends goes to every open socket, the sender's included,
as the Channels echo and the chat do; no Django, Channels, daphne or Redis on
the way. Prints "ready" once it listens. It is the floor the issue's table
measures the chat against (issue 14), not a design to copy: one process, no
channel layer, nothing checked.
"""

import asyncio
import sys

from websockets.asyncio.server import broadcast, serve

OPEN = set()


async def relay(socket):
    OPEN.add(socket)
    try:
        async for frame in socket:
            broadcast(OPEN, frame)
    finally:
        OPEN.discard(socket)


async def main(port):
    # No permessage-deflate: the chat's client does not offer it to daphne.
    async with serve(relay, "127.0.0.1", port, compression=None):
        print("ready", flush=True)
        await asyncio.get_running_loop().create_future()  # until killed


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
