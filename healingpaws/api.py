"""The JSON API for the owners' app (/api/v1/): its one error shape and its
URLs (its settings: healingpaws/api_settings.py).

Decisions (README, "The API"):
- Versioned in the path: everything lives under /api/v1/; a later version
  gets /api/v2/ beside it.
- Authentication is allauth's headless "app" client: the app signs up, logs
  in, logs out and resets its password at /_allauth/app/v1/... (the same
  rules, rate limits and e-mails as the site, whose pages stay as they are)
  and sends the session token it gets as `X-Session-Token`.
- Staff (doctors, front desk, translators, superusers) get a token only
  through allauth headless's second-factor stage when MFA_REQUIRED_FOR_STAFF
  (accounts/api_headless.py), under the staff idle timeout; the owner
  endpoints answer for the caller's own account, a doctor's too
  (accounts.api_auth.IsAccountHolder).
- Every error answers {"code", "message", "fields"} in the requester's
  language (Accept-Language, as the site's first visit).
- Throttling counts per user (per address when anonymous) in the shared
  cache (Redis in production), and every 401 against the caller's address:
  past API_AUTH_FAILURE_RATE the API answers it 429 (core/api_auth_limit.py).
  CORS is off by default: the app is native, so no Access-Control-* header
  is sent and browsers on other sites cannot read the API;
  API_CORS_ALLOWED_ORIGINS lists origins that may (the API and the app's
  sign-in only, token header, no cookies).
"""

from django.http import JsonResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions
from rest_framework.views import exception_handler

from accounts.api import profile_urlpatterns
from accounts.api_auth import TOKEN_HEADER
from core.api_auth_limit import authentication_failed
from pets.api import router as pets_router
from pets.record.api_integration import record_integration_urlpatterns
from reservations.api_integration import visit_integration_urlpatterns


def error_handler(exc, context):
    """DRF's handler, with every error answered in one shape:
    {"code": "not_found", "message": "...", "fields": {"name": ["..."]}}."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    request = context["request"]
    if response.status_code == 401 and _presents_credentials(request):
        authentication_failed(request)
    response.data = error_body(exc, response.data, response.status_code)
    return response


def _presents_credentials(request) -> bool:
    """Only a token or key that failed counts against the address: an app
    that is signed out (no token) is no guess, and counting it would lock out
    everybody behind the same address (a phone carrier's NAT)."""
    return bool(
        request.headers.get(TOKEN_HEADER) or request.headers.get("Authorization")
    )


def error_body(exc, data, status_code: int) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(data, dict):
            fields = _field_messages(data)
            general = fields.pop("non_field_errors", [])
        else:
            fields, general = {}, [str(message) for message in data]
        message = general[0] if general else _("Check the fields marked below.")
        return {"code": "invalid", "message": message, "fields": fields}
    if isinstance(exc, exceptions.APIException):
        code = exc.get_codes()
        code = code if isinstance(code, str) else exc.default_code
        return {"code": code, "message": str(exc.detail), "fields": {}}
    # Django's Http404 and PermissionDenied, which DRF answers as its own.
    code = "not_found" if status_code == 404 else "permission_denied"
    return {"code": code, "message": str(data.get("detail", "")), "fields": {}}


@csrf_exempt  # as DRF's views: no cookie session, so a JSON 404, not a 403 page
def api_not_found(request, *args, **kwargs):
    """A path under /api/v1/ that names no endpoint (or an id that is no
    number) is answered 404 in the error shape, not with the site's page."""
    return JsonResponse(
        {"code": "not_found", "message": _("Not found."), "fields": {}}, status=404
    )


def document_refused_input(result, generator, request, public):
    """drf-spectacular hook: any operation may answer 400 in the error shape
    (UnstorableInputMiddleware refuses a NUL or a broken Unicode character
    anywhere in a request, a query parameter too), and any with an id in its
    path or a page cursor 404 (an id that is no number, an unknown cursor),
    so every one says so."""

    def error(description):
        content = {"schema": {"$ref": "#/components/schemas/Error"}}
        return {"description": description, "content": {"application/json": content}}

    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not (isinstance(operation, dict) and "responses" in operation):
                continue
            responses = operation["responses"]
            responses.setdefault("400", error("Invalid input: see `fields`."))
            parameters = operation.get("parameters", [])
            if any(
                parameter.get("in") == "path" or parameter.get("name") == "cursor"
                for parameter in parameters
            ):
                responses.setdefault("404", error("Not found, or not yours."))
    return result


def _field_messages(data) -> dict:
    fields = {}
    for name, value in data.items():
        if isinstance(value, dict):
            for inner, messages in _field_messages(value).items():
                fields[f"{name}.{inner}"] = messages
        elif isinstance(value, list):
            fields[name] = [str(message) for message in value]
        else:
            fields[name] = [str(value)]
    return fields


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        # The split view serves its initialiser as a script file of its own
        # (the CSP forbids inline script); the page's template has no inline
        # style either.
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    path("", include(profile_urlpatterns)),
    path("", include(pets_router.urls)),
    # The clinic's other systems, with an integration key (core/api_keys.py).
    path("integration/", include(visit_integration_urlpatterns)),
    path("integration/", include(record_integration_urlpatterns)),
    path("", include("reservations.api")),
    path("", include("consultation.api")),
    path("", include("accounts.api_notifications")),
    path("", include("pets.record.api")),
    # Last: whatever else is under /api/v1/ (apps' patterns come before).
    re_path(r"", api_not_found),
]
