"""The browser-facing security settings settings.py applies: the headers and
cookie flags of every environment, the HTTPS ones of production, and the
content security policy (no inline script or style anywhere: every script
and style sheet is a file under static/)."""

from csp.constants import NONE, SELF


def security_settings(env, *, debug: bool) -> dict:
    settings = {
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": False,  # the live form checks read it from JavaScript
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
        "CONTENT_SECURITY_POLICY": {"DIRECTIVES": CSP_DIRECTIVES},
    }
    if not debug:
        settings |= {
            "SESSION_COOKIE_SECURE": True,
            "CSRF_COOKIE_SECURE": True,
            "LANGUAGE_COOKIE_SECURE": True,
            "SECURE_SSL_REDIRECT": env.bool("SECURE_SSL_REDIRECT", default=True),
            "SECURE_HSTS_SECONDS": env.int(
                "SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365
            ),
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": env.bool(
                "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
            ),
            "SECURE_HSTS_PRELOAD": env.bool("SECURE_HSTS_PRELOAD", default=True),
            # The app runs behind a TLS-terminating proxy (Heroku router, nginx).
            "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
            # /healthz is probed over plain HTTP by load balancers.
            "SECURE_REDIRECT_EXEMPT": [r"^healthz$"],
        }
    return settings


CSP_DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF],
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
