"""A per-user budget for work that is costly to repeat (drawing a PDF,
zipping files), on GET as well: allauth's limits (ACCOUNT_RATE_LIMITS) count
only POSTs, which is right for its forms and wrong for a download."""

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
        cache.add(key, 0, timeout=120)
        used = cache.incr(key)
    except Exception:
        logger.warning("budget %s not counted", action, exc_info=True)
        return True
    return used <= per_minute
