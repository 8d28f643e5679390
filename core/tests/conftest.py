import pytest

from core import presence, presence_store


@pytest.fixture(params=["memory", "redis"])
def presence_store_of_each_kind(request, settings):
    """Each presence store, emptied: memory always, Redis when REDIS_URL is
    set."""
    if request.param == "memory":
        settings.REDIS_URL = ""
    elif not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    store = presence_store.store()
    for role in presence.ROLES:
        store.expire(role, float("inf"))
    yield store
    for role in presence.ROLES:
        store.expire(role, float("inf"))
