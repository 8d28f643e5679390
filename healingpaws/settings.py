"""
Settings for Healing Paws: one module, driven by environment variables.

Without any variable the site runs for development: SQLite, the in-memory channel
layer, local-memory cache and console e-mail. Production switches parts on by
setting variables (README "Configuration"); with DEBUG off, a missing required
variable stops start-up with a message naming it.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from healingpaws import api_settings, backing_services, web_security
from healingpaws.environment import RequiredVariables, comma_list
from healingpaws.log import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# --- Core --------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=True)

# What production cannot run without. With DEBUG off, start-up stops with one
# line naming every missing or malformed one (README, Configuration).
required = RequiredVariables(env, debug=DEBUG)
SECRET_KEY = required(
    "SECRET_KEY", "django-insecure-dev-only-key-never-use-in-production"
)
ALLOWED_HOSTS = comma_list(
    required("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
)
# The address people reach the site at: links in e-mails start here (visit
# e-mails are sent by the worker, outside any request).
SITE_URL = required("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if SITE_URL and not SITE_URL.startswith(("http://", "https://")):
    required.refuse("SITE_URL (an absolute http(s) URL)")
required.check()

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # whitenoise must come before daphne so that runserver leaves static to it.
    "whitenoise.runserver_nostatic",
    # daphne replaces runserver with its ASGI server (WebSockets in development).
    "daphne",
    "healingpaws.apps.HealingPawsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.headless",  # the owners' app signs in here (healingpaws/api.py)
    "admin_reorder",
    "rosetta",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by us (no CDN)
    "corsheaders",  # off unless API_CORS_ALLOWED_ORIGINS lists some (api_settings)
    "django_tasks",
    "django_tasks_db",
    "core",
    "accounts",
    "pets",
    "reservations",
    "consultation",
]

MIDDLEWARE = [
    "healingpaws.middleware.SlowRequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything that answers: a refused preflight must still be CORS's.
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the language is known (its page is translated), before any parsing.
    "healingpaws.middleware.RequestBodyLimitMiddleware",
    # Before the session is read (its key comes from a cookie) and any view:
    # a NUL or lone surrogate would reach the database (400 instead of 500).
    "healingpaws.middleware.UnstorableInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.second_factor.StaffSecondFactorMiddleware",
    "accounts.sessions.SessionActivityMiddleware",
    # Writes the access log rows a request's views recorded, in one INSERT.
    "accounts.access_log.AccessLogMiddleware",
    # Last, so that it sees the exceptions of the views.
    "healingpaws.middleware.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "healingpaws.urls"
WSGI_APPLICATION = "healingpaws.wsgi.application"
ASGI_APPLICATION = "healingpaws.asgi.application"

# No "loaders": Django's default, the cached loader, in every environment
# (since Django 4.1 with DEBUG on too). runserver (bin/dev) still picks up a
# template edit: its autoreloader empties the cache instead of restarting.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.notifications",
                "consultation.context_processors.unread_consultations",
                "healingpaws.context_processors.navbar",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    backing_services.use_sqlite_locking(DATABASES["default"])
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Pooled, health-checked, quick to give up (the why: backing_services.py).
    backing_services.use_connection_pool(
        DATABASES["default"],
        size=env.int("DATABASE_POOL_SIZE", default=10),
        timeout=env.float("DATABASE_POOL_TIMEOUT", default=3.0),
        connect_timeout=env.int("DATABASE_CONNECT_TIMEOUT", default=3),
    )
# Requests one process runs at once (4, why: healingpaws/server.py; within the
# pool, less a connection for each of the sockets' two database threads), and
# how many more may wait their turn before the rest get the 503 page at once.
_pool_size = env.int("DATABASE_POOL_SIZE", default=10)
_limit = max(1, min(4, _pool_size - 2))
WEB_CONCURRENCY_LIMIT = env.int("WEB_CONCURRENCY_LIMIT", default=_limit)
WEB_QUEUE_LIMIT = env.int("WEB_QUEUE_LIMIT", default=200)
# Browser tests run daphne in a child process on the test database: it must be
# able to find it by name (see e2e/conftest.py).
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=None)}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and channel layer: Redis when REDIS_URL is set, in-process otherwise

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:  # timeouts and pool size, and why: in backing_services.py
    CACHES = {"default": backing_services.redis_cache(REDIS_URL)}
    CHANNEL_LAYERS = {
        "default": backing_services.redis_channel_layer(
            REDIS_URL,
            max_connections=env.int("REDIS_MAX_CONNECTIONS", default=500),
        )
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Who is online (core/presence.py): a socket's entry counts this long
# without a heartbeat, so a crashed process's users stop counting after it.
PRESENCE_TTL_SECONDS = env.float("PRESENCE_TTL_SECONDS", default=45.0)

# --- Authentication (django-allauth) -----------------------------------------

AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "pets:list"  # doctors go to the dashboard (adapter)
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "accounts.forms.SignupForm",
    # Usernames are found in any Unicode spelling (NFKC), as they are stored.
    "login": "accounts.forms.LoginForm",
    # Reset links go to verified addresses only.
    "reset_password": "accounts.forms.ResetPasswordForm",
}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Confirming the address in the browser that signed up signs the customer in
# (allauth only does it for the signup's own session); elsewhere the login
# page says why it comes next (accounts.adapter).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_USERNAME_VALIDATORS = "accounts.validators.USERNAME_VALIDATORS"
ACCOUNT_PRESERVE_USERNAME_CASING = False
# None: the login form shows the "remember me" box.
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_USER_DISPLAY = "accounts.models.user_display"
# Password reset never tells whether an address has an account. Signup does
# say "taken" (the product asks for it): see accounts.forms.SignupForm.
ACCOUNT_PREVENT_ENUMERATION = True
# Defaults are allauth's; the live signup check (accounts.views.live_check)
# gets its own limit. All of them count in the shared cache (Redis in prod).
ACCOUNT_RATE_LIMITS = {"signup_check": "30/m/ip"}
# Account e-mails link to the host the request came to (one of ALLOWED_HOSTS), in
# the scheme of SITE_URL even when a proxy forgets X-Forwarded-Proto.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https://") else "http"
# Reset links (Django's token generator) expire after two hours and die once used.
PASSWORD_RESET_TIMEOUT = 2 * 60 * 60
# ... and never claim a walk-in's account: that takes the desk's claim code
# (accounts/reset_tokens.py; accounts/unclaimed.py's claim links last a week).
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = "accounts.reset_tokens.ResetTokenGenerator"  # noqa: S105

# Two-factor sign-in (allauth.mfa); staff must use it when MFA_REQUIRED_FOR_STAFF
# is on (accounts/second_factor.py). Wrong codes: allauth's login_failed limit.
MFA_ADAPTER = "accounts.second_factor.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=not DEBUG)
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG  # security keys want https but locally
USERSESSIONS_ADAPTER = "accounts.sessions.UserSessionsAdapter"  # closes sockets
# Staff sessions end after this long without a request (accounts/sessions.py).
STAFF_IDLE_TIMEOUT_SECONDS = env.int("STAFF_IDLE_TIMEOUT_SECONDS", default=30 * 60)

# Doctors are recognised by e-mail at signup and login (accounts/roles.py).
HEALINGPAWS_DOCTOR_EMAILS = [
    email.strip().lower()
    for email in env.list("HEALINGPAWS_DOCTOR_EMAILS", default=[])
    if email.strip()
]

# The hospital's numbers: the home page shows both, and every "come in now"
# (a booking with a red flag) gives the emergency line, which answers day and night.
HOSPITAL_PHONE = env.str("HOSPITAL_PHONE", default="+86 21 5555 0100")
HOSPITAL_EMERGENCY_PHONE = env.str(
    "HOSPITAL_EMERGENCY_PHONE", default="+86 21 5555 0199"
)

# --- Admin (the doctor dashboard) --------------------------------------------

DJANGO_ADMIN_URL = env.str("DJANGO_ADMIN_URL", default="admin/")
if not DJANGO_ADMIN_URL.endswith("/"):
    DJANGO_ADMIN_URL += "/"

# Order of the index, the app pages and the sidebar (healingpaws/admin.py);
# apps not named here follow in alphabetical order.
ADMIN_REORDER = ("reservations", "consultation", "pets", "accounts", "auth", "core")

# --- Internationalisation ----------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True
# One date style per language on every page (healingpaws/formats/).
FORMAT_MODULE_PATH = ["healingpaws.formats"]
# The choice outlives the browser session; logged-in users also keep it in
# their profile (accounts.middleware.PreferredLanguageMiddleware).
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Translators reach /rosetta/ through the "translators" group; healingpaws/urls.py
# keeps them to the project's own catalogs.
ROSETTA_MESSAGES_PER_PAGE = 25
ROSETTA_SHOW_AT_ADMIN_PANEL = False
ROSETTA_LANGUAGES = [("zh-hans", "Simplified Chinese")]
# Rosetta saves with polib: unwrapped, as bin/makemessages writes the catalogs,
# or every save and every makemessages run would re-wrap the other's lines.
ROSETTA_POFILE_WRAP_WIDTH = 0
ROSETTA_ACCESS_CONTROL_FUNCTION = "accounts.roles.rosetta_access"

# --- Static files and uploads ------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end libraries come from npm (package.json) and are served straight
# from node_modules; nothing is copied into the repository.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/dropzone", BASE_DIR / "node_modules" / "dropzone" / "dist"),
    ("vendor/idiomorph", BASE_DIR / "node_modules" / "idiomorph" / "dist"),
    ("vendor/sortablejs", BASE_DIR / "node_modules" / "sortablejs"),
    # The weight chart on the pet's record (static/js/pets/weight-chart.js).
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "healingpaws.storage.StaticFilesStorage"
        )
    },
}

# Uploaded images are private: they are served by views that check who asks
# (accounts.views.avatar), never straight from MEDIA_ROOT.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
# The largest image accepted anywhere (core/images.py), and the one source of
# the limit the upload forms state (core.images.IMAGE_UPLOAD_HELP). The request
# body may be a little larger for the multipart envelope and the other fields.
IMAGE_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
IMAGE_UPLOAD_MAX_PIXELS = 25_000_000
# One image plus the form around it; larger requests get 413 unread.
REQUEST_BODY_MAX_BYTES = IMAGE_UPLOAD_MAX_BYTES + 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o640
# Larger uploads are spooled here, a folder of the project's own, where the
# files a killed process leaves are cleared (core.tasks.remove_abandoned_uploads).
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", default=str(BASE_DIR / "tmp"))

# --- E-mail ------------------------------------------------------------------

# EMAIL_URL sets EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, ... (django-environ idiom).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# Every e-mail is a task (core/mail.py); the worker sends it through EMAIL_URL's.
EMAIL_DELIVERY_BACKEND = vars().pop("EMAIL_BACKEND")
EMAIL_BACKEND = "core.mail.QueuedEmailBackend"
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Healing Paws <no-reply@healingpaws.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds to wait for a mail server before the attempt fails (and is retried).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# --- Background work (core/background.py; `manage.py run_worker` runs it) ----

# Tasks are rows written in the transaction of the change that makes them;
# where live pushes run depends on the channel layer (backing_services.py).
TASKS = backing_services.task_backends(queued_pushes=bool(REDIS_URL))
# How often the worker's live lane looks for pushes to send (seconds): the
# most a push waits, on top of its own work, when the lane is idle.
TASKS_LIVE_POLL_SECONDS = env.float("TASKS_LIVE_POLL_SECONDS", default=0.2)
# /healthz answers 503 when a task that could run has waited longer than this.
TASKS_MAX_LAG_SECONDS = env.int("TASKS_MAX_LAG_SECONDS", default=300)
# The first wait before a failed task runs again; each next wait doubles.
TASKS_RETRY_FIRST_WAIT_SECONDS = env.float("TASKS_RETRY_FIRST_WAIT_SECONDS", default=30)
# A task "running" for longer than this lost its worker and runs again.
TASKS_RUNNING_LEASE_SECONDS = env.int("TASKS_RUNNING_LEASE_SECONDS", default=600)
# Finished tasks are kept this long for operators (failed ones until handled).
TASKS_KEEP_DAYS = env.int("TASKS_KEEP_DAYS", default=14)
# How often each worker looks for periodic jobs due (core/schedule.py).
TASKS_SCHEDULE_TICK_SECONDS = env.float("TASKS_SCHEDULE_TICK_SECONDS", default=30)
# Read notifications are deleted this long after they were read.
NOTIFICATIONS_KEEP_READ_DAYS = env.int("NOTIFICATIONS_KEEP_READ_DAYS", default=90)
# Rows of the record access log (accounts/access_log.py) are kept this long.
ACCESS_LOG_RETENTION_DAYS = env.int("ACCESS_LOG_RETENTION_DAYS", default=730)

# --- Security: headers, cookies, HTTPS in production, the CSP (web_security.py)

vars().update(web_security.security_settings(env, debug=DEBUG))

# --- The JSON API (/api/v1/) and allauth's headless app client (api_settings.py)

vars().update(api_settings.api_settings(env))

# --- Logging: everything to stdout; slow requests and queries with their path

SLOW_REQUEST_SECONDS = env.float("SLOW_REQUEST_SECONDS", default=1.0)
SLOW_QUERY_SECONDS = env.float("SLOW_QUERY_SECONDS", default=0.2)

LOGGING = logging_config(level=env.str("LOG_LEVEL", default="INFO"))
