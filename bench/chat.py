"""How fast a consultation message reaches every open chat page, against a plain
`websockets` broadcast server and a bare Channels echo socket of the same run.

Builds a throwaway hospital (a temporary SQLite file, or a new database on a
PostgreSQL server, dropped afterwards) with one thread, its customer and
doctors signed in by writing their sessions; starts daphne on it with
production settings and the Redis channel layer (bench/asgi.py: the
project's sockets plus a bare echo socket); opens one socket per user on the
thread, sends messages at a steady rate from a few of them and times every
(message, socket) delivery. Before it, the same with as many sockets on a
plain `websockets` broadcast server (bench/_plain.py, the issue's baseline for
the chat's latency) and on the echo socket (its baseline for opening sockets).
See bench/README.md.

This measures; it asserts nothing. Compare the chat with the echo of the same
run rather than with numbers from another machine.
"""

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
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
    empty_redis,
    percentiles,
    production_environment,
    session_cookie,
    start_daphne,
    stop_daphne,
    throwaway_database,
)
from bench._sockets import ECHO_PATH, WARMUP, measure  # noqa: E402

# A database of its own on the usual Redis, so that the run neither sees nor
# disturbs a development server (whose pages would show 200 doctors online)
# or the CI tests (database 1, emptied before each test).
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"


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
        "--layer",
        choices=("core", "pubsub"),
        default="pubsub",
        help="channels_redis layer: the project's (pubsub) or core",
    )
    parser.add_argument(
        "--sockets",
        default="plain,echo,chat",
        help="which of plain, echo and chat to run, in that order (all three)",
    )
    parser.add_argument(
        "--json", help="also write each socket kind's figures to this file (all.py)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder (and log)"
    )
    args = parser.parse_args()
    if not 1 <= args.senders <= args.clients:
        parser.error("need 1 to --clients senders")
    if args.messages < 2 or args.rate <= 0:
        parser.error("need at least 2 messages and a positive rate")
    kinds = [kind for kind in ("plain", "echo", "chat") if kind in args.sockets]
    if not kinds:
        parser.error("--sockets names none of plain, echo, chat")
    redis = empty_redis(args.redis)

    workdir = Path(tempfile.mkdtemp(prefix="healingpaws-bench-"))
    database_url, drop_database = throwaway_database(workdir, args.database)
    production_environment(workdir, database_url, redis_url=args.redis)
    os.environ["BENCH_CHANNEL_LAYER"] = args.layer
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
            measure, messages=args.messages, rate=args.rate, senders=args.senders
        )
        anonymous = [None] * args.clients
        load_before = os.getloadavg()[0]
        rows = []
        try:
            # The chat last: its closing sockets would still be leaving
            # (presence, groups) while another ran.
            if "plain" in kinds:
                plain, plain_base = start_plain(workdir)
                try:
                    rows.append(
                        asyncio.run(
                            bench(
                                plain_base,
                                "plain",
                                "/",
                                anonymous,
                                server_pid=plain.pid,
                            )
                        )
                    )
                finally:
                    stop_daphne(plain)
            if "echo" in kinds:
                rows.append(
                    asyncio.run(
                        bench(base, "echo", ECHO_PATH, anonymous, server_pid=daphne.pid)
                    )
                )
            if "chat" in kinds:
                path = f"/ws/consultation/{thread_id}/"
                rows.append(
                    asyncio.run(
                        bench(base, "chat", path, cookies, server_pid=daphne.pid)
                    )
                )
        except OSError as error:  # refused, timed out, closed before greeting
            sys.exit(f"A socket did not open: {error!r}. With --keep, see daphne.log.")
        print()
        report(rows)
        if args.json:
            Path(args.json).write_text(json.dumps([summary(row) for row in rows]))
        print(
            f"\nN={args.clients} sockets, M={args.messages} messages "
            f"(+{WARMUP} warm-up) at {args.rate:g}/s from {args.senders} senders "
            f"({args.rate / args.senders:g}/s each); layer: channels_redis "
            f"{args.layer} at "
            f"{args.redis}; database: {database_url.split(':', 1)[0]}; "
            f"one daphne process (plain: one Python process); "
            f"load average {load_before:.1f} before, "
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


def start_plain(workdir):
    """bench/_plain.py on a free port, once it listens; returns it and host:port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = open(workdir / "plain.log", "w+b")  # noqa: SIM115 (lives with the server)
    server = subprocess.Popen(  # noqa: S603 (our own script, fixed arguments)
        [sys.executable, str(HERE / "_plain.py"), str(port)],
        stdout=subprocess.PIPE,
        stderr=log,
    )
    if server.stdout.readline().strip() != b"ready":
        server.kill()
        log.seek(0)
        sys.exit("bench/_plain.py did not start:\n" + log.read().decode())
    return server, f"127.0.0.1:{port}"


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


def summary(row):
    """A socket kind's figures without the raw latencies, for all.py."""
    p50, p95, p99 = (
        percentiles(row["latencies"]) if len(row["latencies"]) > 1 else (None,) * 3
    )
    return {
        "name": row["name"],
        "open_seconds": row["connect"],
        "p50": p50,
        "p95": p95,
        "p99": p99,
        "deliveries_per_second": row["deliveries/s"],
        "lost": row["lost"],
        "late": row["late"],
        "server_ms_per_message": row["server ms/msg"],
        "errors": sum(row["errors"].values()),
    }


def report(rows):
    """One line per socket kind; the ratios are to the plain server's latency
    and to the echo's time to open its sockets, when those ran."""
    header = (
        f"{'socket':<6} {'open s':>6} {'×echo':>5} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'×plain':>11} {'deliv/s':>7} {'msg/s':>5} {'lost':>5} "
        f"{'late':>5} {'frames':>6} {'ack p50':>7} {'server CPU':>10} {'max':>5} "
        f"{'client':>6}  errors"
    )
    print(header)
    print(
        f"{'':<6} {'':>6} {'open':>5} {'':>7} {'':>7} {'':>7} {'p50 / p99':>11} "
        f"{'':>7} {'':>5} {'':>5} {'':>5} {'/deliv':>6} {'ms':>7} {'ms/msg':>10} "
        f"{'msg/s':>5} {'CPU':>6}"
    )
    print("-" * len(header))
    by_name = {row["name"]: row for row in rows}
    plain, echo = by_name.get("plain"), by_name.get("echo")
    plain_p = (
        percentiles(plain["latencies"])
        if plain and len(plain["latencies"]) > 1
        else None
    )
    for row in rows:
        if len(row["latencies"]) < 2:
            p50 = p95 = p99 = float("nan")
        else:
            p50, p95, p99 = percentiles(row["latencies"])
        to_plain = (
            f"{p50 / plain_p[0]:.1f} / {p99 / plain_p[2]:.1f}" if plain_p else "-"
        )
        to_echo = f"{row['connect'] / echo['connect']:.1f}" if echo else "-"
        ack = f"{percentiles(row['acks'])[0]:.1f}" if len(row["acks"]) > 1 else "-"
        cpu = row["server ms/msg"]
        ceiling = f"{1000 / cpu:.0f}" if cpu else "-"
        errors = " ".join(f"{code}×{n}" for code, n in row["errors"].items())
        if row["duplicates"]:
            errors += f" duplicates×{row['duplicates']}"
        print(
            f"{row['name']:<6} {row['connect']:>6.2f} {to_echo:>5} {p50:>7.1f} "
            f"{p95:>7.1f} {p99:>7.1f} {to_plain:>11} {row['deliveries/s']:>7.0f} "
            f"{row['messages/s']:>5.1f} {row['lost']:>5} {row['late']:>5} "
            f"{row['frames/delivery']:>6.2f} {ack:>7} "
            f"{cpu:>10.1f} {ceiling:>5} {row['client cpu']:>6.0%}  {errors or '-'}"
        )


if __name__ == "__main__":
    main()
