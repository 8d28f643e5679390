"""Where one page's time goes: cProfile over repeated requests, in process.

Seeds the page benchmark's hospital (bench/reservations.py) in a throwaway
database with production settings, requests each named page a few times to
warm the caches, then profiles `--requests` more and prints the functions
with the most time of their own and the most time in all. See bench/README.md.

    .venv/bin/python bench/hotspots.py "my visits" "pets admin"

It measures; it asserts nothing.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# As in bench/reservations.py: this folder would shadow the apps.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

from bench._server import (  # noqa: E402
    empty_redis,
    production_environment,
    throwaway_database,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="+", help="page names of bench/reservations.py")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--redis", default="", help="an empty Redis database")
    parser.add_argument(
        "--callers",
        default="",
        help="also print who calls the functions matching this (pstats) pattern",
    )
    args = parser.parse_args()
    redis = empty_redis(args.redis) if args.redis else None
    workdir = Path(tempfile.mkdtemp(prefix="healingpaws-profile-"))
    database_url, drop_database = throwaway_database(
        workdir, os.environ.get("DATABASE_URL", "")
    )
    production_environment(workdir, database_url, redis_url=args.redis or None)
    try:
        from bench.reservations import prepare

        pages, headers = prepare(visits=1000, pets=200)
        by_name = {name: (path, who) for name, path, who, _ in pages}
        for name in args.pages:
            path, who = by_name[name]
            print(f"\n== {name} {path}")
            print(profile(path, headers[who], args.requests, args.top, args.callers))
    finally:
        from django.db import connections

        connections.close_all()
        drop_database()
        if redis is not None:
            redis.flushdb()


def profile(path, headers, requests, top, callers=""):
    from django.test import Client

    client = Client(
        raise_request_exception=False,
        HTTP_HOST="127.0.0.1",
        HTTP_X_FORWARDED_PROTO="https",
        headers=headers,
    )
    for _ in range(5):
        status = client.get(path).status_code
    from django.db import connection

    queries = []

    def record(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        client.get(path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    total = stats.total_tt * 1000 / requests
    out.write(f"status {status}, {total:.1f} ms a request under the profiler\n")
    out.write(f"{len(queries)} queries:\n")
    for query in queries:
        out.write(f"  {query[:400]}\n")
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    # The project's own functions, wherever they rank.
    stats.sort_stats("cumulative").print_stats(str(ROOT / "[a-z]*/[a-z_/]*.py"), top)
    if callers:
        stats.sort_stats("tottime").print_callers(callers, top)
    return out.getvalue()


if __name__ == "__main__":
    main()
