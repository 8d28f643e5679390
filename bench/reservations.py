"""How fast the customer pages, the changelists and the API answer under load,
against /healthz of the same run.

Builds a throwaway hospital (a temporary SQLite file, or a new database on the
PostgreSQL server of DATABASE_URL, dropped afterwards), starts daphne on it with
production settings (DEBUG off, collected static files), and fires requests at
each page from a pool of threads. See bench/README.md.

This measures; it asserts nothing. Compare pages with /healthz of the same run
rather than with numbers from another machine.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Run as a script, this folder comes first on sys.path, and this very file
# would shadow the `reservations` app: put the repository there instead.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

from bench._hospital import CUSTOMER_PETS, seed, seed_thread  # noqa: E402
from bench._pages import page_weight, run  # noqa: E402
from bench._server import (  # noqa: E402
    empty_redis,
    percentiles,
    production_environment,
    session_key,
    start_daphne,
    stop_daphne,
    throwaway_database,
)

# The page measured at several loads and over several processes.
LOADED_PAGE = "my pets"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="per page")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="every page (and /healthz) measured in turn this many times; "
        "each figure is the median round's (3)",
    )
    parser.add_argument("--visits", type=int, default=1000)
    parser.add_argument("--pets", type=int, default=200)
    parser.add_argument(
        "--levels",
        default="1,8,32",
        help="requests in flight at which /healthz and My pets are measured "
        "again (comma-separated; empty: none)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="with more than 1, /healthz and My pets again over this many "
        "daphne processes (the client spreads its connections over them)",
    )
    parser.add_argument(
        "--redis",
        default="",
        help="an empty Redis database for the cache, as in production (emptied "
        "at the end); without it, the in-process cache",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder (and log)"
    )
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("need at least one round")
    if args.pets < CUSTOMER_PETS or args.visits < args.pets:
        parser.error(f"need at least {CUSTOMER_PETS} pets and one visit per pet")
    levels = [int(level) for level in args.levels.split(",") if level.strip()]
    redis = None
    if args.redis:
        redis = empty_redis(args.redis)

    workdir = Path(tempfile.mkdtemp(prefix="healingpaws-bench-"))
    database_url, drop_database = throwaway_database(
        workdir, os.environ.get("DATABASE_URL", "")
    )
    production_environment(workdir, database_url, redis_url=args.redis or None)
    daphnes = []
    figures = {}
    try:
        print(f"Preparing {database_url} ...", flush=True)
        pages, headers = prepare(visits=args.visits, pets=args.pets)
        daphne, base = start_daphne(workdir)
        daphnes.append(daphne)
        print(
            f"daphne on {base}; {args.requests} requests per page, "
            f"{args.concurrency} at a time\n",
            flush=True,
        )
        # In rounds, each page's figure the median round's: one round of 200
        # requests moved by a tenth or more from one round to the next, and
        # a /healthz measured quick once made every page's share look low.
        rounds = {name: [] for name, *_ in pages}
        for _round in range(args.rounds):
            for name, path, who, _queries in pages:
                rounds[name].append(
                    measure([base], path, headers[who], args.concurrency, args, daphne)
                )
        for name, rows in rounds.items():
            rates = ", ".join(f"{row['rate']:.0f}" for row in rows)
            print(f"{name}: {rates} req/s in its rounds", flush=True)
        figures["pages"] = [
            {"page": name, "path": path, "queries": queries}
            | median_round(rounds[name])
            for name, path, _who, queries in pages
        ]
        report(figures["pages"])
        by_name = {row["page"]: row for row in figures["pages"]}
        loaded = [by_name["health"], by_name[LOADED_PAGE]]
        figures["levels"] = [
            [
                measure(
                    [base],
                    row["path"],
                    headers[who_of(pages, row)],
                    level,
                    args,
                    daphne,
                )
                for row in loaded
            ]
            for level in levels
        ]
        report_levels(levels, figures["levels"])
        figures["weight"] = page_weight(
            base, by_name[LOADED_PAGE]["path"], headers["customer"]
        )
        report_weight(figures["weight"])
        if args.processes > 1:
            stop_daphne(daphnes.pop())
            started = [start_daphne(workdir) for _ in range(args.processes)]
            daphnes.extend(d for d, _ in started)
            bases = [b for _, b in started]
            figures["processes"] = {
                "n": args.processes,
                "one": [by_name["health"], by_name[LOADED_PAGE]],
                "many": [
                    measure(
                        bases,
                        row["path"],
                        headers[who_of(pages, row)],
                        args.concurrency,
                        args,
                        *daphnes,
                    )
                    for row in loaded
                ],
            }
            report_processes(figures["processes"], args.concurrency)
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=1, default=str))
    finally:
        for daphne in daphnes:
            stop_daphne(daphne)
        drop_database()
        if redis is not None:
            redis.flushdb()
        if args.keep:
            print(f"\nKept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def median_round(rows):
    """The row of the round with the median rate (a round's figures together)."""
    return sorted(rows, key=lambda row: row["rate"])[len(rows) // 2]


def who_of(pages, row):
    return next(who for name, path, who, _ in pages if path == row["path"])


def measure(bases, path, headers, threads, args, *processes):
    """Warm up (templates compile and caches fill), then time a page."""
    run(bases, path, headers, requests=threads * 2 * len(bases), threads=threads)
    statuses, rate, latencies, threads_seen = run(
        bases,
        path,
        headers,
        requests=max(args.requests, threads * 4),
        threads=threads,
        pids=[p.pid for p in processes],
    )
    p50, p95, p99 = percentiles(latencies)
    return {
        "path": path,
        "in_flight": threads,
        "statuses": {str(code): n for code, n in statuses.items()},
        "rate": rate,
        "p50": p50,
        "p95": p95,
        "p99": p99,
        "daphne_threads": threads_seen,
    }


def prepare(*, visits, pets):
    """Migrate, collect static files and seed; return the pages, each with
    its SQL queries, and the request headers of each visitor."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    doctor, customer, visit = seed(visits=visits, pets=pets)
    thread = seed_thread(customer=customer, doctor=doctor)
    admin = "/" + settings.DJANGO_ADMIN_URL
    pages = [
        ("health", "/healthz", None),
        ("home", "/", "customer"),
        ("my pets", "/pets/", "customer"),
        ("my visits", "/reservations/", "customer"),
        ("visit page", f"/reservations/{visit.pk}/", "customer"),
        ("booking", "/reservations/new/", "customer"),
        ("thread", f"/consultation/{thread.pk}/", "customer"),
        ("api pets", "/api/v1/pets/", "app"),
        ("api visits", "/api/v1/visits/", "app"),
        ("visits admin", f"{admin}reservations/reservation/", "doctor"),
        ("queue", f"{admin}reservations/reservation/queue/", "doctor"),
        ("pets admin", f"{admin}pets/pet/", "doctor"),
        ("users admin", f"{admin}accounts/user/", "doctor"),
    ]
    cookie = settings.SESSION_COOKIE_NAME
    headers = {
        None: {},
        "customer": {"Cookie": f"{cookie}={session_key(customer)}"},
        "doctor": {"Cookie": f"{cookie}={session_key(doctor)}"},
        # allauth's headless session token is a session's key.
        "app": {"X-Session-Token": session_key(customer)},
    }
    return [
        (name, path, who, count_queries(path, headers[who]))
        for name, path, who in pages
    ], headers


def count_queries(path, headers):
    """SQL queries of one request, in this process (the second of two, so
    that per-process caches such as content types are warm)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(
        raise_request_exception=False,
        HTTP_HOST="127.0.0.1",
        HTTP_X_FORWARDED_PROTO="https",
        headers=headers,
    )
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return len(queries)


def report(rows):
    health = rows[0]
    header = (
        f"{'page':<12} {'path':<40} {'status':<14} {'req/s':>7} {'×health':>7} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'threads':>7} {'queries':>7}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        status = " ".join(f"{code}×{n}" for code, n in sorted(row["statuses"].items()))
        print(
            f"{row['page']:<12} {row['path'][:40]:<40} {status:<14} "
            f"{row['rate']:>7.0f} {row['rate'] / health['rate']:>7.3f} "
            f"{row['p50']:>7.1f} {row['p95']:>7.1f} {row['p99']:>7.1f} "
            f"{row['daphne_threads']:>7} {row['queries']:>7}"
        )


def report_levels(levels, rows):
    print(
        f"\n{'in flight':>9} {'/healthz req/s':>14} {LOADED_PAGE + ' req/s':>13} "
        f"{'×health':>7} {'p50 ms':>7} {'threads':>7} {'statuses':<20}"
    )
    for level, (health, page) in zip(levels, rows, strict=True):
        status = " ".join(f"{c}×{n}" for c, n in sorted(page["statuses"].items()))
        print(
            f"{level:>9} {health['rate']:>14.0f} {page['rate']:>13.0f} "
            f"{page['rate'] / health['rate']:>7.3f} {page['p50']:>7.1f} "
            f"{page['daphne_threads']:>7} {status:<20}"
        )


def report_weight(weight):
    print(
        f"\n{LOADED_PAGE}'s weight: HTML {weight['html']:,} bytes "
        f"({weight['html_gzip']:,} gzipped), {weight['files']} style sheets and "
        f"scripts {weight['assets']:,} bytes as sent "
        f"({weight['assets_raw']:,} uncompressed; all compressed: "
        f"{weight['compressed']}); total {weight['total']:,} bytes. "
        f"Static Cache-Control: {', '.join(weight['cache_control'])}"
    )


def report_processes(figures, in_flight):
    print(f"\n{figures['n']} daphne processes against 1, {in_flight} in flight:")
    for one, many in zip(figures["one"], figures["many"], strict=True):
        print(
            f"  {one['path']:<10} 1 process {one['rate']:>5.0f} req/s, "
            f"{figures['n']}: {many['rate']:>5.0f} req/s "
            f"({many['rate'] / one['rate']:.2f}×)"
        )


if __name__ == "__main__":
    main()
