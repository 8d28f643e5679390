"""A URLconf for outage tests: views that fail the way an outage makes them fail."""

from django.db import OperationalError
from django.urls import path
from psycopg_pool import PoolTimeout
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


def _raise(error):
    def view(request):
        raise error

    return view


urlpatterns = [
    path("database-down/", _raise(OperationalError("server closed the connection"))),
    path("redis-down/", _raise(RedisConnectionError("connection refused"))),
    path("redis-silent/", _raise(RedisTimeoutError("Timeout reading from redis"))),
    # What psycopg's pool raises when no connection frees up within its timeout.
    path("pool-drained/", _raise(PoolTimeout("couldn't get a connection after 3s"))),
    path("bug/", _raise(ZeroDivisionError("a plain bug"))),
]
