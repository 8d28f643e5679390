"""Django's Redis cache, without a new redis-py client for every call.

Django's RedisCacheClient.get_client() builds a `redis.Redis` for each cache
operation; each build fills a table of some 170 reply handlers, about 180 µs
of Python (measured: 320 µs a GET with a kept client, 490 µs with a new one).
A page reads the navbar's counts, the sidebar and rate limits through the
cache, and a chat message sets several count generations (issue 14). A
`redis.Redis` is safe to share between threads (its connections come from
the pool, one per command), so one is kept per connection pool.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class KeptClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            # A race builds two, and one is kept: both are equally good.
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class KeptClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient
