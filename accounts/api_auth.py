"""Who may call the API (healingpaws/api.py): the holder of a session token
from allauth's headless login (staff only after their second factor, and
under the staff idle timeout); and how its lists page. Named in
REST_FRAMEWORK's settings, so this module imports no DRF view (DRF's views
import it through its settings)."""

from types import SimpleNamespace

from allauth.headless.contrib.rest_framework.authentication import (
    XSessionTokenAuthentication,
)
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination, permissions
from rest_framework.exceptions import NotFound

from core.api_auth_limit import authentication_allowed

from .second_factor import is_staff_account, session_passed_second_factor
from .sessions import move_staff_expiry_on

# A staff account's token that has not passed a second factor (one from
# before the account became staff, say): 403.
STAFF_REFUSED_MESSAGE = _(
    "Hospital staff use the API only after signing in with their second factor."
)
# The app's login of a staff account that has no second factor to ask for.
STAFF_WITHOUT_SECOND_FACTOR_MESSAGE = _(
    "Hospital staff sign in to the app with a second factor: set one up on the "
    "site first."
)
TOKEN_HEADER = "X-Session-Token"  # noqa: S105 (a header name)


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """allauth's session token (X-Session-Token); a request without one is
    answered 401, not 403, so the app knows to log in; an address that failed
    too often is answered 429 first (core/api_auth_limit.py)."""

    def authenticate(self, request):
        if request.headers.get(TOKEN_HEADER):
            authentication_allowed(request)
        found = super().authenticate(request)
        if found is not None:
            user, session = found
            # A staff token ends after STAFF_IDLE_TIMEOUT_SECONDS without a
            # call, as a staff session on the site (accounts/sessions.py):
            # the login set its expiry, each call moves it on (at most once
            # a minute); an expired token is no session at all (401).
            move_staff_expiry_on(SimpleNamespace(user=user, session=session))
            if session.modified:
                session.save()
        return found

    def authenticate_header(self, request):
        return TOKEN_HEADER


class IsAccountHolder(permissions.IsAuthenticated):
    """Signed in and active; staff only with a token whose login passed a
    second factor (when MFA_REQUIRED_FOR_STAFF, as on the site).

    Decision: the owner endpoints answer for the caller's own account,
    whoever calls: a doctor's token lists the doctor's own pets, visits,
    consultations and notifications (usually none), never customers' (the
    views filter by owner, not by what a doctor may see on the site).
    Staff work on customers' data stays on the site and the dashboard.
    """

    message = STAFF_REFUSED_MESSAGE

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        user = request.user
        if not user.is_active:
            return False
        if not settings.MFA_REQUIRED_FOR_STAFF or not is_staff_account(user):
            return True
        # request.auth: the token's session (allauth's authentication
        # records, written by its second-factor stage).
        token = SimpleNamespace(user=user, session=request.auth)
        return session_passed_second_factor(token)


class CursorPagination(pagination.CursorPagination):
    """DRF's cursor pagination, refusing a forged cursor as DRF refuses any
    other bad cursor (404, "Invalid cursor"): a position holding a NUL
    (PostgreSQL cannot compare with it), or one the ordering field cannot
    read (a date that is no date: Django's ValidationError while the query
    is built). Either was a 500."""

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is not None and "\x00" in (cursor.position or ""):
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except ValidationError as error:
            raise NotFound(self.invalid_cursor_message) from error
