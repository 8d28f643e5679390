"""The sockets' user, read in the connect's one trip (core.consumers) rather
than by a database trip of Channels' auth middleware of its own."""

from channels.auth import AuthMiddleware, UserLazyObject, get_user
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.utils.functional import empty


def resolved_user(scope):
    """The user of the socket's session, read now if the auth middleware
    left it for the connect's trip (DeferredAuthMiddleware); sync."""
    user = scope.get("user")
    if isinstance(user, UserLazyObject) and user._wrapped is empty:
        user._wrapped = get_user.func(scope)
    return user


class DeferredAuthMiddleware(AuthMiddleware):
    """Channels' AuthMiddleware without its own database trip: scope["user"]
    stays lazy until the consumer's connect reads it with the rest of what it
    needs (LiveSocketConsumer.admission, resolved_user)."""

    async def resolve_scope(self, scope):
        pass


def DeferredAuthMiddlewareStack(inner):  # noqa: N802 (as Channels' stack)
    return CookieMiddleware(SessionMiddleware(DeferredAuthMiddleware(inner)))
