"""daphne's application for bench/chat.py: the project's, plus a bare echo socket.

ws/bench/echo/ does the chat's fan-out and nothing else: every frame a socket
sends goes through the channel layer to every open echo socket, the sender's
included, with no session, origin check, database or storage on the way. It
is the baseline the chat is compared with, and exists only here, never in
the project's routing.
"""

import gc
import os
import sys
import time

import autobahn.util
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import ProtocolTypeRouter, URLRouter
from django.urls import path, re_path

# Sets Django up as it is imported (the project's consumers need the models).
from healingpaws.asgi import application as project

ECHO_GROUP = "bench-echo"

# autobahn colours the fields of its debug lines with click when it can import
# it, and builds them for every frame sent even with debug logging off (a few
# microseconds a frame). Production installs no click (requirements.txt); the
# venv the benchmarks run in has it, through the dev tools: measure
# production's path.
autobahn.util._HAS_CLICK = False


class EchoConsumer(AsyncWebsocketConsumer):
    groups = [ECHO_GROUP]  # joined on connect, left on disconnect

    async def receive(self, text_data=None, bytes_data=None):
        await self.channel_layer.group_send(
            ECHO_GROUP, {"type": "echo.frame", "text": text_data}
        )

    async def echo_frame(self, event):
        await self.send(text_data=event["text"])


application = ProtocolTypeRouter(
    {
        "http": project.application_mapping["http"],
        "websocket": URLRouter(
            [
                path("ws/bench/echo/", EchoConsumer.as_asgi()),
                # Everything else: the project's sockets behind their checks
                # (an empty pattern matches any path and passes it on whole).
                re_path(r"", project.application_mapping["websocket"]),
            ]
        ),
    }
)


def _log_long_collections(phase, info, started=[0.0]):  # noqa: B006 (a cell)
    """With BENCH_GC_LOG set: each garbage collection over 5 ms, in daphne's
    log (how the chat's p99 was traced to full collections, healingpaws/heap.py)."""
    if phase == "start":
        started[0] = time.perf_counter()
        return
    took_ms = (time.perf_counter() - started[0]) * 1000
    if took_ms > 5:
        print(
            f"gc: generation {info['generation']} took {took_ms:.1f} ms,"
            f" {info['collected']} collected",
            file=sys.stderr,
            flush=True,
        )


if os.environ.get("BENCH_GC_LOG"):
    gc.callbacks.append(_log_long_collections)
