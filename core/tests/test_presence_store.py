"""The presence store counts distinct users among the live entries, in
Redis as in memory (core/presence_store.py)."""

import pytest

from core import presence, presence_store


@pytest.fixture(params=["memory", "redis"])
def store(request, settings):
    if request.param == "memory":
        settings.REDIS_URL = ""
    elif not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    store = presence_store.store()
    store.expire(presence.DOCTOR, float("inf"))
    yield store
    store.expire(presence.DOCTOR, float("inf"))


def test_a_user_with_two_sockets_counts_once_and_expired_entries_not(store):
    now = 1_000_000.0
    store.put(presence.DOCTOR, "7:chat-a", now + 30)
    store.put(presence.DOCTOR, "7:chat-b", now + 30)
    store.put(presence.DOCTOR, "8:bell", now + 30)
    store.put(presence.DOCTOR, "9:crashed", now - 1)
    store.put(presence.DOCTOR, "10:closing", now + 30)
    store.remove(presence.DOCTOR, "10:closing")

    assert store.users(presence.DOCTOR, now) == 2
    # The expired entry is gone, not only left out.
    assert store.expire(presence.DOCTOR, now) == 0
