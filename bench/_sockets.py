"""The client side of bench/chat.py: a socket per user, messages sent at a
steady rate, every (message, socket) delivery timed.

Import it after putting the repository first on sys.path (see bench/chat.py).
"""

import asyncio
import contextlib
import gc
import json
import os
import re
import statistics
import time
from collections import Counter
from functools import partial
from pathlib import Path

ORIGIN = "http://127.0.0.1"  # one of ALLOWED_HOSTS, as a page would send it
ECHO_PATH = "/ws/bench/echo/"
# Every message's text carries its number; acks carry it in the client id.
TOKEN = re.compile(rb"bench-msg-(\d+)")
ACK = re.compile(rb'"type": "ack", "client_id": "bench-(\d+)"')
WARMUP = 3  # messages sent first and not counted: the first ones load code
CONNECTING_AT_ONCE = 20  # daphne's listen backlog is 50
OPENINGS = 5  # the sockets' opening is timed as the median of this many
# Before each opening the server is left to finish what closed sockets left
# it (their groups, presence, the consumers' ends): until it has used less
# than SETTLED_CPU of a core for SETTLED_SECONDS. The chat's first opening
# had begun while 194 of the echo's 200 consumers were still ending in the
# same daphne (seen in daphne's tasks; a fixed second had been waited).
SETTLED_SECONDS = 0.5
SETTLED_CPU = 0.05
# After the last send, how long to wait for stragglers. A delivery heard
# later than LATE_SECONDS after its send counts as late, one never heard
# within DRAIN_SECONDS as lost: a server that falls behind shows as late
# (its backlog still arrives), not as lost, which only a layer that drops
# (a full channel, a subscriber cut off) makes.
DRAIN_SECONDS = 30
LATE_SECONDS = 10


async def measure(base, name, path, cookies, *, server_pid, messages, rate, senders):
    """Open a socket per cookie on `path`, send `messages` from the first
    `senders` sockets in turn at `rate` a second, and time the deliveries;
    `server_pid` is the process whose CPU time is counted."""
    # Here, not at the top: it sets autobahn to asyncio, and chat.prepare()'s
    # process (which imports chat.py, so this module) needs Twisted for daphne.
    from autobahn.asyncio.websocket import (
        WebSocketClientFactory,
        WebSocketClientProtocol,
    )

    class Socket(WebSocketClientProtocol):
        """One page: ready after its greeting, if the socket sends one."""

        def __init__(self, run):
            super().__init__()
            self.run = run
            self.ready = asyncio.get_running_loop().create_future()
            self.closed = asyncio.get_running_loop().create_future()

        def onOpen(self):  # noqa: N802 (autobahn's names)
            if not self.run.greeted and not self.ready.done():
                self.ready.set_result(None)

        def onMessage(self, payload, is_binary):  # noqa: N802
            self.run.heard(self, time.perf_counter(), payload)
            if not self.ready.done():
                self.ready.set_result(None)

        def onClose(self, was_clean, code, reason):  # noqa: N802
            if not self.ready.done():
                self.ready.set_exception(ConnectionError(f"closed: {code} {reason}"))
            elif not self.run.closing:
                self.run.errors[f"closed {code}"] += 1
            if not self.closed.done():
                self.closed.set_result(code)

    host, port = base.split(":")
    # The chat greets with the presence counts once it has joined the
    # thread's group; the echo joins before the handshake ends.
    run = Run(name, total=WARMUP + messages, greeted=name == "chat")
    at_once = asyncio.Semaphore(CONNECTING_AT_ONCE)

    async def connect(cookie):
        factory = WebSocketClientFactory(
            url=f"ws://{base}{path}",
            origin=ORIGIN,
            headers={"Cookie": cookie} if cookie else None,
        )
        # Frames come from our own daphne: spare the client's CPU.
        factory.setProtocolOptions(utf8validateIncoming=False)
        factory.protocol = partial(Socket, run)
        async with at_once:
            _transport, socket = await asyncio.get_running_loop().create_connection(
                factory, host, int(port)
            )
            await asyncio.wait_for(socket.ready, timeout=30)
        return socket

    # Opened OPENINGS times, closed between, and the median taken: one
    # opening's time varied by half between runs on the same machine (the
    # echo's 0.20-0.39 s), and the last socket's greeting decides it.
    openings = []
    for opening in range(OPENINGS):
        await settled(server_pid)
        with collector_paused():
            started = time.perf_counter()
            sockets = await asyncio.gather(*(connect(cookie) for cookie in cookies))
            openings.append(time.perf_counter() - started)
        if opening < OPENINGS - 1:
            await quiet(run)
            await close_all(run, sockets)
            run.closing = False
    run.connect_seconds = statistics.median(openings)
    run.sockets = sockets
    print(
        f"{name}: {len(sockets)} sockets open in {run.connect_seconds:.2f} s "
        f"(median of {', '.join(f'{seconds:.2f}' for seconds in openings)})",
        flush=True,
    )
    await quiet(run)  # the chat's presence counts, one per doctor arriving
    await run.send(range(WARMUP), sockets[:senders], rate)
    frames, server_cpu = run.frames, cpu_seconds(server_pid)
    with collector_paused():
        client_cpu, started = time.process_time(), time.perf_counter()
        await run.send(range(WARMUP, WARMUP + messages), sockets[:senders], rate)
    run.frames_measured = run.frames - frames
    run.server_cpu = cpu_seconds(server_pid) - server_cpu
    run.client_cpu = (time.process_time() - client_cpu) / (
        time.perf_counter() - started
    )
    await close_all(run, sockets)
    return run.figures(range(WARMUP, WARMUP + messages))


@contextlib.contextmanager
def collector_paused():
    """While timing, this process's garbage collector waits, as timeit's
    does: its full collections, walking the sockets of every kind opened so
    far, took 30-200 ms and, falling in the plain server's messages, made
    that baseline's p99 70 ms instead of 11 (gc.callbacks, 29 November)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def close_all(run, sockets):
    run.closing = True
    # A few at a time: 200 consumers leaving their groups at once would ask
    # for more Redis connections than the layer's pool holds (100).
    for i in range(0, len(sockets), CONNECTING_AT_ONCE):
        batch = sockets[i : i + CONNECTING_AT_ONCE]
        for socket in batch:
            socket.sendClose()
        await asyncio.wait([socket.closed for socket in batch], timeout=DRAIN_SECONDS)


def cpu_seconds(pid):
    """CPU time a process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def settled(pid, *, at_most=30):
    """Wait until the process is (nearly) idle: see SETTLED_SECONDS."""
    deadline = time.perf_counter() + at_most
    while time.perf_counter() < deadline:
        used = cpu_seconds(pid)
        await asyncio.sleep(SETTLED_SECONDS)
        if cpu_seconds(pid) - used < SETTLED_CPU * SETTLED_SECONDS:
            return


async def quiet(run, *, for_seconds=0.5, at_most=30):
    """Wait until no frame has arrived for a while."""
    deadline = time.perf_counter() + at_most
    while time.perf_counter() < deadline:
        heard = run.frames
        await asyncio.sleep(for_seconds)
        if run.frames == heard:
            return


class Run:
    """The frames of one socket type: when each message was sent, and when
    each socket heard it."""

    def __init__(self, name, *, total, greeted):
        self.name = name
        self.greeted = greeted
        self.sockets = []
        self.sent_at = [None] * total
        self.arrivals = [{} for _ in range(total)]  # message -> socket -> time
        self.acked_at = [None] * total
        self.frames = 0
        self.duplicates = 0
        self.errors = Counter()
        self.batch = range(0)  # the messages being sent and waited for
        self.outstanding = 0
        self.done = asyncio.Event()
        self.connect_seconds = None
        self.closing = False  # closes from now on are ours
        # Of the measured messages: frames heard, CPU seconds daphne used,
        # the share of a CPU this process used.
        self.frames_measured = self.server_cpu = self.client_cpu = None

    def heard(self, socket, at, payload):
        self.frames += 1
        token = TOKEN.search(payload)
        if token is None:
            if b'"type": "error"' in payload:
                self.errors[json.loads(payload)["code"]] += 1
            elif ack := ACK.search(payload):
                self.acked_at[int(ack[1])] = at
            return
        number = int(token[1])
        if socket in self.arrivals[number]:
            self.duplicates += 1
            return
        self.arrivals[number][socket] = at
        if number in self.batch:  # not a straggler of the warm-up
            self.outstanding -= 1
            if self.outstanding == 0:
                self.done.set()

    async def send(self, numbers, senders, rate):
        """Send each message at its time, then wait for its deliveries."""
        self.batch = numbers
        self.outstanding = len(numbers) * len(self.sockets)
        self.done.clear()
        started = time.perf_counter()
        for i, number in enumerate(numbers):
            await asyncio.sleep(max(0, started + i / rate - time.perf_counter()))
            frame = {
                "type": "message",
                "text": f"bench-msg-{number:06d}",
                "urgent": False,
                "client_id": f"bench-{number}",
            }
            sender = senders[number % len(senders)]
            if sender.state != sender.STATE_OPEN:
                self.errors["sender closed"] += 1
                continue
            self.sent_at[number] = time.perf_counter()
            sender.sendMessage(json.dumps(frame).encode())
        with contextlib.suppress(TimeoutError):  # the missing ones are lost
            await asyncio.wait_for(self.done.wait(), timeout=DRAIN_SECONDS)

    def figures(self, numbers):
        latencies = [
            (at - self.sent_at[number]) * 1000
            for number in numbers
            for at in self.arrivals[number].values()
        ]
        acks = [
            (self.acked_at[number] - self.sent_at[number]) * 1000
            for number in numbers
            if self.acked_at[number] is not None
        ]
        sent = [self.sent_at[number] for number in numbers]
        first_sent = min((at for at in sent if at is not None), default=0)
        last_heard = max(
            (at for number in numbers for at in self.arrivals[number].values()),
            default=first_sent,
        )
        window = max(last_heard - first_sent, 1e-9)
        return {
            "name": self.name,
            "connect": self.connect_seconds,
            "latencies": latencies,
            "acks": acks,
            "deliveries/s": len(latencies) / window,
            "messages/s": len(latencies) / len(self.sockets) / window,
            "lost": len(numbers) * len(self.sockets) - len(latencies),
            "late": sum(1 for ms in latencies if ms > LATE_SECONDS * 1000),
            "frames/delivery": self.frames_measured / max(len(latencies), 1),
            "server ms/msg": self.server_cpu / len(numbers) * 1000,
            "client cpu": self.client_cpu,
            "duplicates": self.duplicates,
            "errors": self.errors,
        }
