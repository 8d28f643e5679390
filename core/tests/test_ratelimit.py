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

    monkeypatch.setattr(ratelimit.cache, "add", away)

    assert ratelimit.within_budget(UserFactory(), action="zip", per_minute=0)
    assert "budget zip not counted" in caplog.text
