"""How fast pages answer while the database is down, and that they say 503.

Needs PostgreSQL (DATABASE_URL): makes a throwaway database on that server,
starts daphne on it with production settings, signs a customer in, then takes
only that database away (no new connections, its sessions ended) and times a
signed-in page, an anonymous page and /healthz; then lets connections in again
and times them once more. The server and its other databases are not touched.

This measures; it asserts nothing. With the database down every answer should
be a 503 with Retry-After (never a 500) after about the pool's checkout
timeout (DATABASE_POOL_TIMEOUT, 3 s), and /healthz after HEALTH_TIMEOUT_SECONDS.
"""

import argparse
import http.client
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

from bench._server import (  # noqa: E402
    production_environment,
    session_cookie,
    start_daphne,
    stop_daphne,
    throwaway_database,
)

PAGES = [
    ("signed-in home", "/", True),
    ("signed-in my pets", "/pets/", True),
    ("anonymous home", "/", False),
    ("health", "/healthz", False),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = parser.parse_args()
    given = os.environ.get("DATABASE_URL", "")
    if not given.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (see bench/README.md).")

    workdir = Path(tempfile.mkdtemp(prefix="healingpaws-outage-"))
    database_url, drop_database = throwaway_database(workdir, given)
    production_environment(workdir, database_url)
    daphne = None
    try:
        cookie = prepare()
        daphne, base = start_daphne(workdir)
        print(f"daphne on {base}, database {database_url}\n", flush=True)
        measure("database up", base, cookie, args.rounds)
        database_down(given, database_url, down=True)
        measure("database down", base, cookie, args.rounds)
        database_down(given, database_url, down=False)
        measure("database back", base, cookie, args.rounds)
    finally:
        if daphne:
            stop_daphne(daphne)
        database_down(given, database_url, down=False)
        drop_database()
        if args.keep:
            print(f"\nKept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def prepare():
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.services import user_create_verified

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    customer = user_create_verified(
        username="outage_customer", email="customer@outage.example", password=None
    )
    return session_cookie(customer)


def database_down(server_url, database_url, *, down):
    """Refuse (or allow again) new connections to the run's database, and end
    the ones open: to daphne's pool it is as if the server had gone."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(server_url, dbname="postgres", autocommit=True) as server:
        server.execute(
            f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"false" if down else "true"}'
        )
        if down:
            server.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s",
                [name],
            )


def measure(title, base, cookie, rounds):
    print(title)
    for name, path, signed_in in PAGES:
        headers = {"X-Forwarded-Proto": "https"}
        if signed_in:
            headers["Cookie"] = cookie
        for _ in range(rounds):
            connection = http.client.HTTPConnection(base, timeout=60)
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            retry = response.getheader("Retry-After") or "-"
            print(
                f"  {name:<18} {response.status}  Retry-After {retry:<3} "
                f"{elapsed:6.2f} s",
                flush=True,
            )
            connection.close()
    print()


if __name__ == "__main__":
    main()
