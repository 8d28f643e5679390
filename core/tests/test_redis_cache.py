"""The Redis cache keeps one redis-py client per pool (core/redis_cache.py):
it must go on working when Redis drops the connection under it."""

import pytest
import redis
from django.conf import settings

from core.redis_cache import KeptClientRedisCache


@pytest.fixture
def cache():
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    cache = KeptClientRedisCache(
        settings.REDIS_URL, {"KEY_PREFIX": "test-kept-client", "TIMEOUT": 60}
    )
    yield cache
    cache.clear()


def test_the_cache_reads_what_it_wrote_and_keeps_its_client(cache):
    cache.set("k", {"a": 1})

    assert cache.get("k") == {"a": 1}
    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=True)


def test_a_connection_killed_by_redis_is_replaced(cache):
    client = cache._cache.get_client(write=True)
    cache.set("k", "before")
    # The pool's connection (back in the pool after the command), closed by
    # the server: the next command of the kept client meets a dead socket.
    own_id = client.client_id()
    redis.Redis.from_url(settings.REDIS_URL).execute_command(
        "CLIENT", "KILL", "ID", own_id
    )

    assert cache.get("k") == "before"
    assert client.client_id() != own_id  # a new connection
    cache.set("k", "after")
    assert cache.get("k") == "after"
