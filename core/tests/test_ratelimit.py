"""The per-user budget of costly downloads."""

import pytest

from accounts.tests.factories import UserFactory
from core import ratelimit


@pytest.mark.django_db
def test_a_budget_is_per_user_and_per_minute():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")

    spent = [ratelimit.within_budget(alice, action="zip", per_minute=2) for _ in "abc"]

    assert spent == [True, True, False]
    assert ratelimit.within_budget(bob, action="zip", per_minute=2)


@pytest.mark.django_db
def test_with_the_cache_away_the_work_is_allowed(monkeypatch, caplog):
    def away(*args, **kwargs):
        raise ConnectionError("Redis is away")

    monkeypatch.setattr(ratelimit, "counted", away)

    assert ratelimit.within_budget(UserFactory(), action="zip", per_minute=0)
    assert "budget zip not counted" in caplog.text


def test_a_count_in_the_memory_cache_starts_at_one():
    # The development server's cache, without Redis: add() then incr().
    from django.core.cache.backends.locmem import LocMemCache

    memory = LocMemCache("test-counted", {})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ratelimit, "cache", memory)
        counts = [ratelimit.counted("k", timeout=5) for _ in range(3)]

    assert counts == [1, 2, 3]
