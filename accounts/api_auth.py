"""Who may call the API (healingpaws/api.py): the holder of a session token
from allauth's headless login, if a customer; and how its lists page. Named
in REST_FRAMEWORK's settings, so this module imports no DRF view (DRF's
views import it through its settings)."""

from allauth.headless.contrib.rest_framework.authentication import (
    XSessionTokenAuthentication,
)
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination, permissions
from rest_framework.exceptions import NotFound

from core.api_auth_limit import authentication_allowed

from .second_factor import is_staff_account

STAFF_REFUSED_MESSAGE = _(
    "The API serves customers only for now: hospital staff work on the site."
)
TOKEN_HEADER = "X-Session-Token"  # noqa: S105 (a header name)


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """allauth's session token (X-Session-Token); a request without one is
    answered 401, not 403, so the app knows to log in; an address that failed
    too often is answered 429 first (core/api_auth_limit.py)."""

    def authenticate(self, request):
        if request.headers.get(TOKEN_HEADER):
            authentication_allowed(request)
        return super().authenticate(request)

    def authenticate_header(self, request):
        return TOKEN_HEADER


class IsCustomer(permissions.IsAuthenticated):
    """Signed in, active and not staff.

    Decision: staff accounts must pass a second factor on the site
    (accounts.second_factor); a session token from the app's login does not
    carry that proof in a form the API checks yet, so the API refuses staff
    altogether rather than letting a password alone through.
    """

    message = STAFF_REFUSED_MESSAGE

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        return request.user.is_active and not is_staff_account(request.user)


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
