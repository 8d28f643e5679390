"""Django's Redis cache, without a new redis-py client for every call, and
failing fast for a few seconds once Redis has stopped answering.

Django's RedisCacheClient.get_client() builds a `redis.Redis` for each cache
operation; each build fills a table of some 170 reply handlers, about 180 µs
of Python (measured: 320 µs a GET with a kept client, 490 µs with a new one).
A page reads the navbar's counts, the sidebar and rate limits through the
cache, and a chat message sets several count generations (issue 14). A
`redis.Redis` is safe to share between threads (its connections come from
the pool, one per command), so one is kept per connection pool.

A Redis that is paused (or cut off by the network) accepts connections and
never answers: each command waits for the socket's timeout (3 s), and a page
that reads the cache three times waited nine. After a timeout the cache is
taken as away for AWAY_SECONDS: every command fails at once with RedisAway
(a redis ConnectionError, which the callers already treat as the cache being
away: the page counts from the database, or the 503 page), then the next one
asks Redis again. A refused connection fails at once by itself and changes
nothing here.
"""

import contextlib
import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("healingpaws.cache")

# How long the cache counts as away after a command timed out.
AWAY_SECONDS = 5.0


class RedisAway(RedisConnectionError):
    """Redis timed out a moment ago; not asked again yet."""


class AwayAfterTimeout:
    """Fails a client's commands at once for AWAY_SECONDS after one of them
    timed out (the cache's here, core/presence.py's store)."""

    def __init__(self, name):
        self.name = name
        self._away_until = 0.0  # time.monotonic() before which Redis is away

    def check(self):
        if time.monotonic() < self._away_until:
            raise RedisAway(f"{self.name}: Redis timed out a moment ago")

    @contextlib.contextmanager
    def guard(self):
        self.check()
        try:
            yield
        except RedisTimeoutError:
            if time.monotonic() >= self._away_until:
                logger.warning(
                    "%s: Redis timed out; away for the next %s s",
                    self.name,
                    AWAY_SECONDS,
                )
            self._away_until = time.monotonic() + AWAY_SECONDS
            raise


class KeptClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self.away = AwayAfterTimeout("cache")

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            # A race builds two, and one is kept: both are equally good.
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


def _count(self, key, timeout):
    # INCR creates the key at 1; EXPIRE each time (a window's key is its
    # own, so a later timeout changes nothing that matters).
    with self.get_client(key, write=True).pipeline(transaction=False) as pipe:
        pipe.incr(key)
        pipe.expire(key, timeout)
        count, _ = pipe.execute()
    return count


def _set_many(self, data, timeout):
    # Each key in one SET with its timeout, pipelined without MULTI: Django's
    # sends MULTI, MSET, an EXPIRE a key and EXEC, each reply parsed in
    # Python (the generations every chat message changes, twice: issue 14).
    # No caller needs the keys set atomically (generations, access log
    # marks: each key stands alone). `timeout` as Django's client gets it:
    # None keeps the keys, 0 deletes them.
    client = self.get_client(None, write=True)
    if timeout == 0:
        client.delete(*data)
        return
    with client.pipeline(transaction=False) as pipe:
        for key, value in data.items():
            pipe.set(key, self._serializer.dumps(value), ex=timeout)
        pipe.execute()


def _guarded(operation):
    # Each of RedisCacheClient's operations, below: fails at once while away,
    # notes a timeout.
    @functools.wraps(operation)
    def wrapper(self, *args, **kwargs):
        with self.away.guard():
            return operation(self, *args, **kwargs)

    return wrapper


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "delete_many",
    "clear",
):
    setattr(
        KeptClientRedisCacheClient, _name, _guarded(getattr(RedisCacheClient, _name))
    )
KeptClientRedisCacheClient.count = _guarded(_count)
KeptClientRedisCacheClient.set_many = _guarded(_set_many)


class KeptClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient

    def count(self, key, timeout, version=None) -> int:
        """Add one to the count under `key` (created at 0) and return it, in
        one round trip: add() then incr() take three (the chat's rate limit
        counts every message, issue 14). `timeout` seconds from this count."""
        key = self.make_and_validate_key(key, version=version)
        return self._cache.count(key, timeout)
