"""The Redis cache keeps one redis-py client per pool (core/redis_cache.py):
it must go on working when Redis drops the connection under it; after a
timeout it fails at once for a few seconds, then asks Redis again."""

import time

import pytest
import redis
from django.conf import settings

from core import redis_cache
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


def test_a_count_starts_at_one_and_lasts_its_timeout(cache):
    counts = [cache.count("rate", timeout=5) for _ in range(3)]

    assert counts == [1, 2, 3]
    assert cache.get("rate") == 3  # a number as add() and incr() keep it
    ttl = cache._cache.get_client().ttl(cache.make_and_validate_key("rate"))
    assert 0 < ttl <= 5
    assert cache.count("other", timeout=5) == 1


def test_set_many_keeps_each_key_for_its_timeout_or_for_good(cache):
    client = cache._cache.get_client()

    def ttl(key):
        return client.ttl(cache.make_and_validate_key(key))

    cache.set_many({"a": "token", "b": 2, "c": {"x": 1}}, timeout=30)
    cache.set_many({"kept": "for good"}, timeout=None)

    assert cache.get_many(["a", "b", "c", "kept"]) == {
        "a": "token",
        "b": 2,
        "c": {"x": 1},
        "kept": "for good",
    }
    assert all(0 < ttl(key) <= 30 for key in "abc")
    assert ttl("kept") == -1  # no expiry


def test_set_many_with_a_timeout_of_zero_deletes_the_keys(cache):
    cache.set_many({"a": 1, "b": 2}, timeout=60)

    cache.set_many({"a": 3, "b": 4}, timeout=0)

    assert cache.get_many(["a", "b"]) == {}


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


@pytest.fixture
def paused_redis():
    """A redis-server of this test's own, paused (SIGSTOP): it accepts
    connections and never answers, as a frozen or cut-off Redis."""
    from healingpaws.tests.servers import PrivateRedis

    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


def test_after_a_timeout_the_cache_fails_at_once_then_asks_again(
    paused_redis, monkeypatch, caplog
):
    monkeypatch.setattr(redis_cache, "AWAY_SECONDS", 0.5)
    cache = KeptClientRedisCache(
        paused_redis.url, {"OPTIONS": {"socket_timeout": 0.3}, "KEY_PREFIX": "t"}
    )
    cache.set("k", "kept")
    paused_redis.pause()

    with pytest.raises(redis.TimeoutError):
        cache.get("k")
    # Away: not asked (no wait for the socket's timeout), for every command.
    with pytest.raises(redis_cache.RedisAway):
        cache.get_many(["k"])
    with pytest.raises(redis_cache.RedisAway):
        cache.set("k", "not written")
    paused_redis.resume()
    time.sleep(0.6)

    assert cache.get("k") == "kept"
    assert caplog.text.count("cache: Redis timed out; away") == 1


@pytest.mark.django_db
def test_signed_in_pages_with_redis_paused_wait_for_one_timeout_each_store(
    paused_redis, settings, client, caplog
):
    from accounts.tests.factories import UserFactory
    from core import presence_store

    settings.CACHES = {
        "default": {
            "BACKEND": "core.redis_cache.KeptClientRedisCache",
            "LOCATION": paused_redis.url,
            "OPTIONS": {"socket_timeout": 0.3},
        }
    }
    settings.REDIS_URL = paused_redis.url  # who is online: Redis too
    presence_store.redis_store.cache_clear()
    client.force_login(UserFactory())
    paused_redis.pause()
    try:
        home = client.get("/")
        pets = client.get("/pets/")
        visits = client.get("/reservations/")
    finally:
        presence_store.redis_store.cache_clear()

    assert home.status_code == pets.status_code == visits.status_code == 200
    # The navbar's counts (the cache) and who is online (the presence store)
    # each waited once for Redis, then failed at once: no page waited for
    # every read.
    assert caplog.text.count("cache: Redis timed out; away") == 1
    assert caplog.text.count("presence: Redis timed out; away") == 1
