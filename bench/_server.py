"""What the benchmarks share: a throwaway database, production settings,
daphne in a child process, sessions without the login form, percentiles.

Import it after putting the repository first on sys.path (see the scripts).
"""

import http.client
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def throwaway_database(workdir, given=""):
    """A database URL for this run, and how to get rid of it: a SQLite file
    in `workdir`, or a new database on the PostgreSQL server of `given`."""
    if not given.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{workdir / 'bench.sqlite3'}", lambda: None
    import psycopg

    name = f"healingpaws_bench_{os.getpid()}"
    with psycopg.connect(given, dbname="postgres", autocommit=True) as server:
        server.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(given, dbname="postgres", autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    url = urlsplit(given)
    return urlunsplit(url._replace(path=f"/{name}")), drop


def production_environment(workdir, database_url, redis_url=None):
    """Production settings (through bench/settings.py) for this process and
    daphne: DEBUG off, a random key, e-mail discarded, Redis only if given."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "BENCH_STATIC_ROOT": str(workdir / "static"),
            "MEDIA_ROOT": str(workdir / "media"),
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": "http://127.0.0.1",
            "EMAIL_URL": "dummymail://",
            # Only the slow-request log would be noise at this load.
            "LOG_LEVEL": "WARNING",
            # The API's own work is measured, not its limit per user.
            "API_USER_RATE": "1000000/minute",
        }
    )
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)


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


def session_cookie(user):
    """Signed in without the login form: a session row, as login() makes it."""
    from django.conf import settings

    return f"{settings.SESSION_COOKIE_NAME}={session_key(user)}"


def session_key(user):
    """A session row, as login() makes it, and its key: the session cookie's
    value, and the app's session token (allauth headless's token strategy
    names the session by its key)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.second_factor import SESSION_MARK

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # Staff (the doctors) have passed their second factor, as after the
    # login form: production settings hold their pages and sockets until then.
    session[SESSION_MARK] = user.pk
    session.create()
    return session.session_key


def start_daphne(workdir, application="healingpaws.asgi:application"):
    """daphne on a free port, once /healthz answers; returns it and host:port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = open(workdir / "daphne.log", "wb")  # noqa: SIM115 (lives with daphne)
    daphne = subprocess.Popen(  # noqa: S603 (fixed arguments, no shell)
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
        + [application],
        cwd=ROOT,
        env=os.environ,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if daphne.poll() is not None:
            break
        try:
            if fetch(http.client.HTTPConnection(base, timeout=2), "/healthz", {}):
                return daphne, base
        except OSError:
            time.sleep(0.2)
    daphne.kill()
    sys.exit("daphne did not answer /healthz:\n" + (workdir / "daphne.log").read_text())


def stop_daphne(daphne):
    daphne.terminate()
    try:
        daphne.wait(timeout=10)
    except subprocess.TimeoutExpired:
        # Still busy with a backlog, or waiting for a thread that waits
        # for the event loop it is stopping: nothing left to measure.
        daphne.kill()
        daphne.wait()


def fetch(connection, path, headers):
    # Production settings: say the proxy in front terminated TLS (no redirect).
    connection.request("GET", path, headers={"X-Forwarded-Proto": "https", **headers})
    response = connection.getresponse()
    response.read()
    return response.status


def percentiles(latencies):
    """p50, p95 and p99 of a list of at least two numbers."""
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]
