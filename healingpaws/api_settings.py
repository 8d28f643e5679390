"""The settings of the API's libraries (DRF, drf-spectacular, allauth's
headless mode), applied by settings.py with vars().update(). The decisions
behind them are in healingpaws/api.py's docstring."""

from corsheaders.defaults import default_headers

API_TITLE = "Healing Paws API"


def api_settings(env) -> dict:
    """The settings of DRF, drf-spectacular and allauth's headless mode,
    applied by settings.py with vars().update()."""
    return {
        "REST_FRAMEWORK": {
            "DEFAULT_AUTHENTICATION_CLASSES": [
                # The token the app got from /_allauth/app/v1/auth/login.
                "accounts.api_auth.SessionTokenAuthentication",
            ],
            "DEFAULT_PERMISSION_CLASSES": ["accounts.api_auth.IsAccountHolder"],
            "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
            "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
            "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
            "DEFAULT_PAGINATION_CLASS": "accounts.api_auth.CursorPagination",
            "PAGE_SIZE": 25,
            "EXCEPTION_HANDLER": "healingpaws.api.error_handler",
            # Counted in the default cache: Redis, shared by every process.
            "DEFAULT_THROTTLE_CLASSES": [
                "rest_framework.throttling.UserRateThrottle",
                "rest_framework.throttling.AnonRateThrottle",
            ],
            "DEFAULT_THROTTLE_RATES": {
                "user": env.str("API_USER_RATE", default="120/minute"),
                "anon": env.str("API_ANON_RATE", default="30/minute"),
                # Per integration key (core/api_keys.py ApiKeyRateThrottle).
                "integration": env.str("API_KEY_RATE", default="600/minute"),
                # 401s per address, then 429 (core/api_auth_limit.py).
                "failed_authentication": env.str(
                    "API_AUTH_FAILURE_RATE", default="30/minute"
                ),
            },
            # Anonymous callers count by REMOTE_ADDR, which daphne sets from the
            # proxy's headers (--proxy-headers); DRF's default would read a
            # client's own X-Forwarded-For and let it dodge the limit.
            "NUM_PROXIES": 0,
            "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
        },
        "SPECTACULAR_SETTINGS": {
            "TITLE": API_TITLE,
            "DESCRIPTION": (
                "The owners' app API. Get a session token from allauth's headless "
                "app client (POST /_allauth/app/v1/auth/login) and send it as the "
                "X-Session-Token header. Every error answers "
                '{"code", "message", "fields"} in the Accept-Language language. '
                "The clinic's other systems call /api/v1/integration/ with an "
                "integration key an operator made in the admin, sent as "
                "`Authorization: Api-Key <key>`, within the key's scopes."
            ),
            "VERSION": "1",
            "SERVE_INCLUDE_SCHEMA": False,
            "SCHEMA_PATH_PREFIX": r"/api/v1",
            "COMPONENT_SPLIT_REQUEST": True,
            "POSTPROCESSING_HOOKS": [
                "drf_spectacular.hooks.postprocess_schema_enums",
                "healingpaws.api.document_refused_input",
            ],
            # One name for the visit's states wherever a field offers them
            # (a visit's state, a transition's target).
            "ENUM_NAME_OVERRIDES": {
                "VisitStateEnum": "reservations.states.State",
                "VisitTriageEnum": "reservations.states.Triage",
            },
            # Swagger UI from the drf-spectacular-sidecar package: no CDN.
            "SWAGGER_UI_DIST": "SIDECAR",
            "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
            "REDOC_DIST": "SIDECAR",
        },
        # CORS: the app is native and needs none. A web client of ours on
        # another origin may be listed; only the API and the app's sign-in
        # answer it, with the token header allowed and no cookies.
        "CORS_ALLOWED_ORIGINS": env.list("API_CORS_ALLOWED_ORIGINS", default=[]),
        "CORS_URLS_REGEX": r"^/(api/v1|_allauth/app/v1)/",
        "CORS_ALLOW_HEADERS": (*default_headers, "x-session-token"),
        "CORS_ALLOW_CREDENTIALS": False,
        # allauth headless: the app client only; the site keeps its own pages
        # (and e-mails link to them: no HEADLESS_FRONTEND_URLS).
        "HEADLESS_ONLY": False,
        "HEADLESS_CLIENTS": ("app",),
        "HEADLESS_SERVE_SPECIFICATION": False,
        # Webhooks to private, loopback or link-local addresses, and over plain
        # http (core/webhook_http.py): off, unless an operator's network needs
        # them (and the tests' local receiver).
        "WEBHOOKS_ALLOW_PRIVATE_TARGETS": env.bool(
            "WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=False
        ),
    }
