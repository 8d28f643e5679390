"""A URLconf for outage tests: views that fail the way an outage makes them fail."""

from django.db import OperationalError
from django.urls import path
from redis.exceptions import ConnectionError as RedisConnectionError


def _raise(error):
    def view(request):
        raise error

    return view


urlpatterns = [
    path("database-down/", _raise(OperationalError("server closed the connection"))),
    path("redis-down/", _raise(RedisConnectionError("connection refused"))),
    path("bug/", _raise(ZeroDivisionError("a plain bug"))),
]
