"""A per-user budget for work that is costly to repeat (drawing a PDF,
zipping files), on GET as well: allauth's limits (ACCOUNT_RATE_LIMITS) count
only POSTs, which is right for its forms and wrong for a download. And the
shared counter it and the chat's rate limit count with."""

import logging
import time

from django.core.cache import cache

logger = logging.getLogger("healingpaws.ratelimit")


def within_budget(user, *, action: str, per_minute: int) -> bool:
    """Count one `action` of `user` in the current minute (in the shared
    cache); False once the minute's budget is spent. With the cache away the
    work is allowed: the budget protects the server, never refuses a person
    because Redis blinked."""
    key = f"budget:{action}:{user.pk}:{int(time.time() // 60)}"
    try:
        used = counted(key, timeout=120)
    except Exception:
        logger.warning("budget %s not counted", action, exc_info=True)
        return True
    return used <= per_minute


def counted(key: str, *, timeout: int) -> int:
    """Add one to the count under `key` in the shared cache (a new count
    starts at 0 and lasts `timeout` seconds) and return it. One round trip
    on Redis (core.redis_cache); add() and incr() on another cache (the
    development server's memory). Raises what the cache raised."""
    if hasattr(cache, "count"):
        return cache.count(key, timeout)
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two: a new count
        cache.add(key, 1, timeout=timeout)
        return 1
