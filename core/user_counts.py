"""Counts the navbar shows on every page (issue 14), cached per user.

A count is read from the database once, then kept in the shared cache under
the count's current generation (core/generations.py); whatever may change the
count of anybody (a message, a read mark, a thread closed, a role given or
taken) starts a new generation, and every user's next page counts afresh.
Between changes the pages ask the database nothing; when the cache is away,
or without REDIS_URL, every page counts.
"""

from collections.abc import Callable

from .generations import cached_value, generations_cached, generations_changed


def user_count_generation(name: str) -> str:
    """The generation every user's count `name` is kept under (a part of a
    page that shows the count is kept under it too: the navbar)."""
    return f"user-count:{name}"


def user_counts_cached() -> bool:
    """Whether counts are kept in the cache (core.generations)."""
    return generations_cached()


def cached_user_count(name: str, user_id: int, count: Callable[[], int]) -> int:
    """The count `name` of a user: from the cache if nothing has changed
    since it was stored, else `count()`, stored for the next pages."""
    return cached_value(
        f"user-count:{name}:{user_id}", [user_count_generation(name)], count
    )


def user_counts_changed(name: str, *, using: str | None = None) -> None:
    """Every user's count `name` is read afresh, from now and again after
    the commit (core.generations.generations_changed)."""
    generations_changed(user_count_generation(name), using=using)
