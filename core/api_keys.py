"""Integration API keys (issue 17): the clinic's other systems call the
integration endpoints (/api/v1/integration/...) with
`Authorization: Api-Key hp_<prefix>_<secret>`.

Decisions:
- The key is 256 random bits; the database keeps its prefix (to find the row)
  and the SHA-256 of the whole key, compared in constant time. A long random
  secret needs no slow hash: nobody can guess it from its hash.
- It is shown once, when made (on the page that answers the admin's save);
  lost, it is revoked and a new one made. Revoked keys are refused at once
  (the row is read on every request, no cache).
- Its last use is written at most once a minute (one UPDATE, not one a
  request); requests are throttled per key in the shared cache.
- A key acts within its scopes only (403 otherwise); a change of a visit's
  state is made as the key's `acts_as` staff account, whose rights apply.
"""

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling

from .api_auth_limit import authentication_allowed
from .integration_models import ApiKey, Scope

KEY_KEYWORD = "Api-Key"
KEY_START = "hp_"
LAST_USED_PRECISION = datetime.timedelta(minutes=1)

INVALID_KEY_MESSAGE = _("Invalid or revoked API key.")
SCOPE_MISSING_MESSAGE = _("This API key may not do this (scope %(scope)s).")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_create(
    *, name: str, scopes: list[str], created_by=None, acts_as=None
) -> tuple[ApiKey, str]:
    """Make a key; returns its row and the key itself, which is never stored."""
    row = ApiKey(name=name, scopes=scopes, created_by=created_by, acts_as=acts_as)
    return row, api_key_issue(row=row)


def api_key_issue(*, row: ApiKey) -> str:
    """Give a new (unsaved) row its secret and save it; returns the key,
    which only its hash outlives."""
    row.prefix = secrets.token_hex(6)
    key = f"{KEY_START}{row.prefix}_{secrets.token_urlsafe(32)}"
    row.key_hash = _digest(key)
    row.scopes = sorted(set(row.scopes))
    row.save()
    return key


def api_key_revoke(*, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def api_key_find(key: str) -> ApiKey | None:
    """The live key's row, or None (unknown, malformed or revoked)."""
    if not key.startswith(KEY_START) or len(key) > 200:
        return None
    prefix, _sep, rest = key[len(KEY_START) :].partition("_")
    if not rest or not prefix.isascii() or not prefix.isalnum():
        return None
    row = (
        ApiKey.objects.select_related("acts_as")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if row is None or not hmac.compare_digest(row.key_hash, _digest(key)):
        return None
    return row


def api_key_touch(*, key: ApiKey, now: datetime.datetime | None = None) -> None:
    """Note the key's use, at most once a minute."""
    now = now or timezone.now()
    if key.last_used_at and now - key.last_used_at < LAST_USED_PRECISION:
        return
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    key.last_used_at = now


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>`. The request's user is the key's
    `acts_as` account (or anonymous); `request.auth` is the key's row. An
    address that failed too often is answered 429 first (api_auth_limit)."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEY_KEYWORD.lower().encode():
            return None
        authentication_allowed(request)
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(INVALID_KEY_MESSAGE)
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(INVALID_KEY_MESSAGE) from None
        row = api_key_find(key)
        if row is None:
            raise exceptions.AuthenticationFailed(INVALID_KEY_MESSAGE)
        api_key_touch(key=row)
        user = row.acts_as if row.acts_as and row.acts_as.is_active else None
        return (user or AnonymousUser(), row)

    def authenticate_header(self, request):
        # A 401 (not 403) without a key: the caller knows to send one.
        return KEY_KEYWORD


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "An integration key made by an operator in the admin, sent as "
                "`Authorization: Api-Key hp_<prefix>_<secret>`."
            ),
        }


def has_scope(scope: Scope):
    """A permission class: the request carries a live key with `scope`."""

    class HasScope(permissions.BasePermission):
        def has_permission(self, request, view):
            if not isinstance(request.auth, ApiKey):
                return False
            if not request.auth.has_scope(scope):
                self.message = SCOPE_MISSING_MESSAGE % {"scope": scope.value}
                return False
            return True

    HasScope.__name__ = f"HasScope_{scope.name}"
    return HasScope


class ApiKeyRateThrottle(throttling.SimpleRateThrottle):
    """Requests per key (API_KEY_RATE), counted in the shared cache."""

    scope = "integration"

    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].get(
            self.scope, "600/minute"
        )

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiKey):
            return None  # refused by authentication or permissions anyway
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class IntegrationEndpoint:
    """What every integration view (…/api_integration.py) shares: the key as
    its only authentication, the per-key throttle, and `scope` required (a
    view with several methods may answer `scope_for(method)`)."""

    authentication_classes = [ApiKeyAuthentication]
    throttle_classes = [ApiKeyRateThrottle]
    scope: Scope

    def scope_for(self, method: str) -> Scope:
        return self.scope

    def get_permissions(self):
        return [has_scope(self.scope_for(self.request.method))()]
