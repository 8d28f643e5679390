"""How fast a consultation message reaches every open chat page, against a bare
echo socket of the same run.

Builds a throwaway hospital (a temporary SQLite file, or a new database on a
PostgreSQL server, dropped afterwards) with one thread, its customer and
doctors signed in by writing their sessions; starts daphne on it with
production settings and the Redis channel layer (bench/asgi.py: the
project's sockets plus a bare echo socket); opens one socket per user on the
thread, sends messages at a steady rate from a few of them and times every
(message, socket) delivery. Then the same with as many echo sockets. See
bench/README.md.

This measures; it asserts nothing. Compare the chat with the echo of the same
run rather than with numbers from another machine.
"""

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing import get_context
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Run as a script, this folder comes first on sys.path, and bench/reservations.py
# would shadow the `reservations` app: put the repository there instead.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

from bench._server import (  # noqa: E402
    percentiles,
    production_environment,
    session_cookie,
    start_daphne,
    stop_daphne,
    throwaway_database,
)

# A database of its own on the usual Redis, so that the run neither sees nor
# disturbs a development server (whose pages would show 200 doctors online)
# or the CI tests (database 1, emptied before each test).
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"
ORIGIN = "http://127.0.0.1"  # one of ALLOWED_HOSTS, as a page would send it
ECHO_PATH = "/ws/bench/echo/"
# Every message's text carries its number; acks carry it in the client id.
TOKEN = re.compile(rb"bench-msg-(\d+)")
ACK = re.compile(rb'"type": "ack", "client_id": "bench-(\d+)"')
WARMUP = 3  # messages sent first and not counted: the first ones load code
CONNECTING_AT_ONCE = 20  # daphne's listen backlog is 50
DRAIN_SECONDS = 10  # after the last send, how long to wait for stragglers


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200, help="sockets, N (200)")
    parser.add_argument(
        "--messages", type=int, default=50, help="messages measured, M (50)"
    )
    parser.add_argument(
        "--rate", type=float, default=5, help="messages a second, all senders (5)"
    )
    parser.add_argument(
        "--senders", type=int, default=5, help="users who send, in turn (5)"
    )
    parser.add_argument(
        "--database",
        default=os.environ.get("DATABASE_URL", ""),
        help="a postgres:// URL: a throwaway database on that server "
        "(default: DATABASE_URL, else a temporary SQLite file)",
    )
    parser.add_argument(
        "--redis",
        default=DEFAULT_REDIS,
        help="an empty Redis database, emptied again at the end "
        f"(default: {DEFAULT_REDIS})",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder (and log)"
    )
    args = parser.parse_args()
    if not 1 <= args.senders <= args.clients:
        parser.error("need 1 to --clients senders")
    if args.messages < 2 or args.rate <= 0:
        parser.error("need at least 2 messages and a positive rate")
    redis = empty_redis(args.redis)

    workdir = Path(tempfile.mkdtemp(prefix="healingpaws-bench-"))
    database_url, drop_database = throwaway_database(workdir, args.database)
    production_environment(workdir, database_url, redis_url=args.redis)
    # No page is served, so no collectstatic; whitenoise only wants the folder.
    (workdir / "static").mkdir()
    daphne = None
    try:
        print(f"Preparing {database_url} ...", flush=True)
        # In a process of its own: Django loads daphne, which sets autobahn
        # to Twisted for the whole process, and the clients here use asyncio.
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as child:
            thread_id, cookies, per_user_limit = child.submit(
                prepare, clients=args.clients
            ).result()
        if args.rate / args.senders > per_user_limit:
            sys.exit(
                f"{args.rate:g} messages/s from {args.senders} senders is over the "
                f"chat's limit of {per_user_limit} per user and second: "
                "add --senders or lower --rate."
            )
        daphne, base = start_daphne(workdir, "bench.asgi:application")
        print(
            f"daphne on {base} (bench.asgi, Redis layer {args.redis}); "
            f"{args.clients} sockets, {args.messages} messages at "
            f"{args.rate:g}/s from {args.senders} senders",
            flush=True,
        )
        bench = partial(
            measure,
            base,
            daphne_pid=daphne.pid,
            messages=args.messages,
            rate=args.rate,
            senders=args.senders,
        )
        load_before = os.getloadavg()[0]
        try:
            rows = [
                # The echo first: the chat's closing sockets would still be
                # leaving (presence, groups) while it runs.
                asyncio.run(bench("echo", ECHO_PATH, [None] * args.clients)),
                asyncio.run(bench("chat", f"/ws/consultation/{thread_id}/", cookies)),
            ]
        except OSError as error:  # refused, timed out, closed before greeting
            sys.exit(f"A socket did not open: {error!r}. With --keep, see daphne.log.")
        print()
        report(rows)
        print(
            f"\nN={args.clients} sockets, M={args.messages} messages "
            f"(+{WARMUP} warm-up) at {args.rate:g}/s from {args.senders} senders "
            f"({args.rate / args.senders:g}/s each); layer: channels_redis at "
            f"{args.redis}; database: {database_url.split(':', 1)[0]}; "
            f"one daphne process; load average {load_before:.1f} before, "
            f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs."
        )
    finally:
        if daphne:
            stop_daphne(daphne)
        redis.flushdb()
        drop_database()
        if args.keep:
            print(f"\nKept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def empty_redis(url):
    """A client for the run's Redis database, which must hold nothing: the
    run empties it at the end."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = client.dbsize()
    except redis.RedisError as error:
        sys.exit(f"Redis at {url}: {error}")
    if keys:
        sys.exit(
            f"Redis at {url} holds {keys} keys; the benchmark needs an empty "
            "database (and empties it at the end). Pass another with --redis, "
            "or empty this one if it is a past run's (redis-cli -n <db> flushdb)."
        )
    return client


def prepare(*, clients):
    """Migrate and seed: one thread, its customer and clients - 1 doctors.

    Returns the thread's id, a session cookie per user (the customer's first)
    and the chat's limit of messages per user and second.
    """
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.services import user_create_verified, user_promote_to_doctor
    from consultation.consumers import MESSAGES_PER_SECOND
    from consultation.services import thread_open

    call_command("migrate", verbosity=0)
    customer = user_create_verified(
        username="bench_customer", email="customer@bench.example", password=None
    )
    users = [customer]
    for i in range(1, clients):
        doctor = user_create_verified(
            username=f"bench_doctor{i}", email=f"doctor{i}@bench.example", password=None
        )
        users.append(user_promote_to_doctor(user=doctor))
    thread = thread_open(
        customer=customer, subject="Limping", text="Limping since Monday."
    )
    print(f"Seeded thread {thread.pk}: 1 customer, {clients - 1} doctors.", flush=True)
    return thread.pk, [session_cookie(user) for user in users], MESSAGES_PER_SECOND


# --- the sockets ------------------------------------------------------------------


async def measure(base, name, path, cookies, *, daphne_pid, messages, rate, senders):
    """Open a socket per cookie on `path`, send `messages` from the first
    `senders` sockets in turn at `rate` a second, and time the deliveries."""
    # Here, not at the top: it sets autobahn to asyncio, and prepare()'s
    # process (which imports this module) needs Twisted for daphne.
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

    started = time.perf_counter()
    sockets = await asyncio.gather(*(connect(cookie) for cookie in cookies))
    run.connect_seconds = time.perf_counter() - started
    run.sockets = sockets
    print(
        f"{name}: {len(sockets)} sockets open in {run.connect_seconds:.1f} s",
        flush=True,
    )
    await quiet(run)  # the chat's presence counts, one per doctor arriving
    await run.send(range(WARMUP), sockets[:senders], rate)
    frames, server_cpu = run.frames, cpu_seconds(daphne_pid)
    client_cpu, started = time.process_time(), time.perf_counter()
    await run.send(range(WARMUP, WARMUP + messages), sockets[:senders], rate)
    run.frames_measured = run.frames - frames
    run.server_cpu = cpu_seconds(daphne_pid) - server_cpu
    run.client_cpu = (time.process_time() - client_cpu) / (
        time.perf_counter() - started
    )
    run.closing = True
    # A few at a time: 200 consumers leaving their groups at once would ask
    # for more Redis connections than the layer's pool holds (100).
    for i in range(0, len(sockets), CONNECTING_AT_ONCE):
        batch = sockets[i : i + CONNECTING_AT_ONCE]
        for socket in batch:
            socket.sendClose()
        await asyncio.wait([socket.closed for socket in batch], timeout=DRAIN_SECONDS)
    return run.figures(range(WARMUP, WARMUP + messages))


def cpu_seconds(pid):
    """CPU time a process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
            "frames/delivery": self.frames_measured / max(len(latencies), 1),
            "server ms/msg": self.server_cpu / len(numbers) * 1000,
            "client cpu": self.client_cpu,
            "duplicates": self.duplicates,
            "errors": self.errors,
        }


def report(rows):
    header = (
        f"{'socket':<6} {'open s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'×echo':>5} {'deliv/s':>7} {'msg/s':>5} {'lost':>5} {'frames':>6} "
        f"{'ack p50':>7} {'daphne CPU':>10} {'max':>5} {'client':>6}  errors"
    )
    print(header)
    print(
        f"{'':<6} {'':>6} {'':>7} {'':>7} {'':>7} {'':>5} {'':>7} {'':>5} {'':>5} "
        f"{'/deliv':>6} {'ms':>7} {'ms/msg':>10} {'msg/s':>5} {'CPU':>6}"
    )
    print("-" * len(header))
    echo_p50 = None
    for row in rows:
        if len(row["latencies"]) < 2:
            p50 = p95 = p99 = float("nan")
        else:
            p50, p95, p99 = percentiles(row["latencies"])
        echo_p50 = echo_p50 or p50
        ack = f"{percentiles(row['acks'])[0]:.1f}" if len(row["acks"]) > 1 else "-"
        cpu = row["server ms/msg"]
        ceiling = f"{1000 / cpu:.0f}" if cpu else "-"
        errors = " ".join(f"{code}×{n}" for code, n in row["errors"].items())
        if row["duplicates"]:
            errors += f" duplicates×{row['duplicates']}"
        print(
            f"{row['name']:<6} {row['connect']:>6.1f} {p50:>7.1f} {p95:>7.1f} "
            f"{p99:>7.1f} {p50 / echo_p50:>5.1f} {row['deliveries/s']:>7.0f} "
            f"{row['messages/s']:>5.1f} {row['lost']:>5} "
            f"{row['frames/delivery']:>6.2f} {ack:>7} "
            f"{cpu:>10.1f} {ceiling:>5} {row['client cpu']:>6.0%}  {errors or '-'}"
        )


if __name__ == "__main__":
    main()
