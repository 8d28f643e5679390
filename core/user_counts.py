"""Counts the navbar shows on every page (issue 14), cached per user.

A count is read from the database once, then kept in the shared cache under
the count's current generation; whatever may change the count of anybody
(a message, a read mark, a thread closed, a role given or taken) starts a new
generation at once and again after its commit, and every user's next page
counts afresh. So a
page never shows a count older than the last change that committed before it
(the page reads the generation before it counts, and a count stored under an
older generation is never used), and between changes the pages ask the
database nothing. The generation is a random token, not a number: a
generation lost from the cache (evicted, or the cache emptied) cannot come
back and make an old count current again.

When the cache is away the count is read from the database, as before; and
so it is on every page without REDIS_URL (development): the cache is then each
process's own memory, where a change made by the worker or a management
command (the demo's seeding) would never reach the server's counts. The
setting USER_COUNTS_CACHED overrides that (the tests, one process, set it).
"""

import logging
import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger("healingpaws.counts")

# How long a user's count stays in the cache without a change: only to let
# the entries of users who left go.
TIMEOUT_SECONDS = 600
# A generation goes when nothing has changed for a day (a per-user count's
# would otherwise stay for good): the next page starts a new one, and the
# counts stored under the old one are never used again.
GENERATION_SECONDS = 24 * 3600


def _generation_key(name):
    return f"user-count:{name}:generation"


def user_counts_cached() -> bool:
    """Whether counts are kept in the cache (not without REDIS_URL, unless
    USER_COUNTS_CACHED says so)."""
    return getattr(settings, "USER_COUNTS_CACHED", bool(settings.REDIS_URL))


def cached_user_count(name: str, user_id: int, count: Callable[[], int]) -> int:
    """The count `name` of a user: from the cache if nothing has changed
    since it was stored, else `count()`, stored for the next pages."""
    if not user_counts_cached():
        return count()
    generation_key, key = _generation_key(name), f"user-count:{name}:{user_id}"
    try:
        found = cache.get_many([generation_key, key])
    except Exception:
        logger.warning("count %s not read from the cache", name, exc_info=True)
        return count()
    generation, stored = found.get(generation_key), found.get(key)
    if generation is not None and stored is not None and stored[0] == generation:
        return stored[1]
    if generation is None:
        generation = secrets.token_hex(8)
        try:
            cache.add(generation_key, generation, timeout=GENERATION_SECONDS)
            generation = cache.get(generation_key)  # another process's, if first
        except Exception:
            logger.warning("count %s: no generation", name, exc_info=True)
            return count()
    value = count()
    try:
        cache.set(key, (generation, value), TIMEOUT_SECONDS)
    except Exception:
        logger.warning("count %s not cached", name, exc_info=True)
    return value


def user_counts_changed(name: str, *, using: str | None = None) -> None:
    """Every user's count `name` is read afresh: from now (this transaction's
    own later reads see its change), and again after the commit (a page of
    another request that counted in between, before the change was
    visible, stored its count under the generation started now)."""
    _new_generation(name)
    if transaction.get_connection(using).in_atomic_block:
        transaction.on_commit(lambda: _new_generation(name), using=using)


def _new_generation(name):
    try:
        cache.set(
            _generation_key(name), secrets.token_hex(8), timeout=GENERATION_SECONDS
        )
    except Exception:
        # The counts may stay stale for up to TIMEOUT_SECONDS.
        logger.warning("count %s not invalidated", name, exc_info=True)
