"""SQLite's locking, the PostgreSQL pool, Redis cache, Redis channel layer and
task backends settings.py switches on when DATABASE_URL / REDIS_URL name them;
the why of each number is here."""

from urllib.parse import urlsplit


def use_sqlite_locking(database):
    """Let an SQLite `DATABASES` entry's writers wait their turn.

    The embedded default runs the site and its worker as two processes, and
    the site writes from several threads (requests, the sockets' database
    threads). A transaction that reads first takes SQLite's write lock only at
    its first write, and when another writer holds it then, SQLite fails at
    once with "database is locked" (bench/chat.py on SQLite lost a message
    so). Taken at BEGIN (IMMEDIATE), the lock is waited for, up to `timeout`
    seconds."""
    options = database.setdefault("OPTIONS", {})
    options.setdefault("transaction_mode", "IMMEDIATE")
    options.setdefault("timeout", 20)


def use_connection_pool(database, *, size, timeout, connect_timeout):
    """Give a PostgreSQL `DATABASES` entry psycopg's connection pool.

    Under ASGI every request may run in another thread: a pool reuses
    connections where CONN_MAX_AGE would leak one per thread. Health checks
    make the pool test a connection on checkout, so a database restart costs no
    failed request.
    """
    database["CONN_MAX_AGE"] = 0
    database["CONN_HEALTH_CHECKS"] = True
    options = database.setdefault("OPTIONS", {})
    options["pool"] = {
        "min_size": 1,
        "max_size": size,
        # How long a request waits for a free connection before the 503 page:
        # with the database down or the pool drained (a login flood), a quick
        # "back in a moment" beats a page hanging for 10 s.
        "timeout": timeout,
    }
    # A database host that does not answer at all fails as fast.
    options.setdefault("connect_timeout", connect_timeout)


def redis_cache(url):
    return {
        "BACKEND": "core.redis_cache.KeptClientRedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "healingpaws",
        # Passed to redis-py's pool. Cache commands never block: a reply later
        # than this means Redis is away (the outage page), as for the
        # database's 3 s.
        "OPTIONS": {"socket_connect_timeout": 3, "socket_timeout": 3},
    }


def redis_channel_layer(url, *, max_connections):
    """channels_redis's pub/sub layer (issue 14, measured with bench/chat.py,
    bench/README.md): a group send is one PUBLISH, which each process hears
    once and hands to its own sockets, where the core layer stored and read
    back one message per socket (200 Redis round trips for one chat message
    to 200 pages). It took daphne's CPU per message from about 63 to 41 ms
    for the bare echo, and the chat's with it; and under overload it does
    not drop: a socket that falls behind queues in its process, where the
    core layer's full channels (capacity 100) dropped a quarter of the
    receipts at 20 messages a second. It drops what is published while a
    process is cut from Redis: pushes are best effort either way (the pages
    catch up from the history, ?after=).

    Redis's pub/sub channels are one namespace for the whole server, not
    per database: the database number goes into the prefix, so that
    deployments, CI runs and benchmarks on other databases of one Redis do
    not hear each other's groups."""
    database = urlsplit(url).path.strip("/") or "0"
    return {
        "BACKEND": "core.channel_layer.PubSubChannelLayer",
        "CONFIG": {
            # A dict host is passed to redis-py's ConnectionPool.from_url.
            # socket_timeout: well over any blocking read (the core layer's
            # BZPOPMIN waited 5 s and raced redis-py's default 5 s timeout,
            # closing idle sockets with 1011; pub/sub polls every 0.1 s).
            # max_connections: each closing socket takes a connection to leave
            # its groups; the default pool (100) ran dry when more closed at
            # once (MaxConnectionsError; the sockets now retry and log).
            # Connections open only as needed, but stay open in the pool: keep
            # it well under the process's open-file limit.
            "hosts": [
                {
                    "address": url,
                    "socket_timeout": 30,
                    "socket_connect_timeout": 5,
                    "max_connections": max_connections,
                }
            ],
            "prefix": f"healingpaws{database}:",
        },
    }


def task_backends(*, queued_pushes):
    """The TASKS setting: every task a row of the database (django-tasks-db),
    but the live pushes (core/realtime.py) only where another process can
    reach the pages, through Redis: the worker's live lane sends them. With
    the in-memory channel layer only the site's own process can, so it runs
    them itself, right after the commit. Webhook deliveries have a queue of
    their own, "webhooks" (core/webhooks.py WEBHOOK_QUEUE), which the worker
    runs in a lane of its own: a slow receiver never holds an e-mail back."""
    database = {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "webhooks"],
    }
    after_commit = {"BACKEND": "core.background.AfterCommitBackend"}
    return {"default": database, "live": database if queued_pushes else after_commit}
