"""WebSockets signed in with the app's session token (the one the API takes,
from allauth's headless "app" login), mounted by healingpaws/asgi.py.

Decisions:
- Where the token comes from: the `X-Session-Token` header (a native app
  sets it on the handshake), or, for a browser client (which cannot set
  headers on a WebSocket), the subprotocol pair
  `new WebSocket(url, ["healingpaws.session-token", token])`: the server
  answers with the first name only, never the token. Never a query
  parameter: URLs end up in proxies' and servers' access logs.
- A socket carrying a token is signed in by the token alone (a cookie it
  may also carry is ignored): scope["session"] is the token's session, so
  the socket base's re-checks (core.consumers re-reads the session at
  frames, pushes and heartbeats) and "session.end" (signing the token out
  closes the socket) work as for the site's cookie. A wrong, expired or
  signed-out token leaves the socket anonymous: the consumer closes it with
  the site's code (CLOSE_NOT_SIGNED_IN). A staff token (one that passed a
  second factor: accounts/api_headless.py) is anonymous here too: staff use
  the sockets of the site's pages.
- Origins: a browser's Origin must still be one of ALLOWED_HOSTS, token or
  not; a socket without Origin (a native app sends none) is let through only
  with a token, which no other site can forge, unlike a cookie a browser
  adds by itself.
"""

from allauth.headless.internal.sessionkit import (
    authenticate_by_x_session_token,
    session_store,
)
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.auth.models import AnonymousUser

from .api_auth import TOKEN_HEADER
from .second_factor import is_staff_account

TOKEN_SUBPROTOCOL = "healingpaws.session-token"  # noqa: S105 (a name)
_HEADER = TOKEN_HEADER.lower().encode()
# Session keys are 32 characters; anything much longer is no token of ours
# (and is not looked up).
TOKEN_MAX_LENGTH = 128


def socket_token(scope) -> str | None:
    """The session token a socket carries (header, then subprotocol); "" for
    a socket that offers the token subprotocol without a token; None when it
    carries none (a cookie socket of the site)."""
    for name, value in scope.get("headers", ()):
        if name == _HEADER:
            return value.decode("latin-1").strip()
    protocols = list(scope.get("subprotocols") or ())
    if TOKEN_SUBPROTOCOL in protocols:
        position = protocols.index(TOKEN_SUBPROTOCOL) + 1
        return protocols[position] if position < len(protocols) else ""
    return None


def _has_origin(scope) -> bool:
    return any(name == b"origin" for name, _value in scope.get("headers", ()))


def token_session(token: str):
    """(session, user) of a session token: the token's session and its user,
    or an empty session and an anonymous user when the token signs nobody in
    (or a staff account)."""
    found = None
    if token and len(token) <= TOKEN_MAX_LENGTH and token.isascii():
        found = authenticate_by_x_session_token(token)
    if found is None:
        return session_store(), AnonymousUser()
    user, session = found
    if not user.is_active or is_staff_account(user):
        return session_store(), AnonymousUser()
    return session, user


class SessionTokenAuthMiddleware:
    """Inside the cookie stack (AuthMiddlewareStack): a socket with a token
    gets the token's session and user in place of the cookie's."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        token = socket_token(scope) if scope["type"] == "websocket" else None
        if token is None:
            return await self.inner(scope, receive, send)
        session, user = await database_sync_to_async(token_session)(token)
        scope = {**scope, "session": session, "user": user, "session_token": True}
        if TOKEN_SUBPROTOCOL in (scope.get("subprotocols") or ()):
            send = _accepting_subprotocol(send)
        return await self.inner(scope, receive, send)


def _accepting_subprotocol(send):
    """A browser fails a handshake that offered subprotocols and got none
    back: accept with the token's name (never the token itself)."""

    async def wrapped(message):
        if message["type"] == "websocket.accept" and not message.get("subprotocol"):
            message = {**message, "subprotocol": TOKEN_SUBPROTOCOL}
        await send(message)

    return wrapped


class TokenOrAllowedOrigin:
    """AllowedHostsOriginValidator, except that a socket with a token and no
    Origin at all (a native app) is let through; see the decisions above."""

    def __init__(self, application):
        self.application = application
        self.checked = AllowedHostsOriginValidator(application)

    async def __call__(self, scope, receive, send):
        native = (
            scope["type"] == "websocket"
            and not _has_origin(scope)
            and socket_token(scope) is not None
        )
        if native:
            return await self.application(scope, receive, send)
        return await self.checked(scope, receive, send)
