"""A per-address limit on failed authentications at the API.

DRF authenticates before it throttles, and refuses a caller without a valid
token or key (401) before any throttle counts it: guesses at tokens and keys
were never limited. So every 401 the API answers to a request carrying a
token or key counts against the caller's address
(healingpaws.api.error_handler calls `authentication_failed`), and past
API_AUTH_FAILURE_RATE (30 a minute) the authentication classes
(accounts/api_auth.py, core/api_keys.py) answer a request carrying one 429
before they look at it, a right one too: a guess that happens to be right
must not get through. Calls without any credential neither count nor are
refused here (a signed-out app is no guess; the anonymous rate covers them).
The address is the anonymous throttle's: REMOTE_ADDR, which daphne
sets from the proxy's headers (NUM_PROXIES is 0), so a client's own
X-Forwarded-For does not change it.
"""

import logging

from rest_framework import exceptions, throttling

logger = logging.getLogger("healingpaws.ratelimit")


class FailedAuthenticationThrottle(throttling.SimpleRateThrottle):
    scope = "failed_authentication"

    def get_cache_key(self, request, view=None):
        return self.cache_format % {
            "scope": self.scope,
            "ident": self.get_ident(request),
        }

    def spent(self, request) -> bool:
        """Whether the address used its failures of the last period (and
        loads them, for throttle_success)."""
        self.key = self.get_cache_key(request)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return len(self.history) >= self.num_requests


def authentication_allowed(request) -> None:
    """Raise Throttled (429) when the caller's address failed too often. With
    the cache away the caller is let through: the limit protects keys from
    guessing, it never refuses a person because Redis blinked."""
    throttle = FailedAuthenticationThrottle()
    try:
        spent = throttle.spent(request)
    except Exception:
        logger.warning("failed authentications not read", exc_info=True)
        return
    if spent:
        raise exceptions.Throttled(wait=throttle.wait())


def authentication_failed(request) -> None:
    """Count one failed authentication (a 401) against the caller's address."""
    throttle = FailedAuthenticationThrottle()
    try:
        if not throttle.spent(request):
            throttle.throttle_success()
    except Exception:
        logger.warning("a failed authentication not counted", exc_info=True)
