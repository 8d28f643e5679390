from django.conf import settings
from django.contrib import admin
from django.http import Http404
from django.urls import include, path, re_path
from django.views.decorators.http import last_modified

from accounts.api_headless import headless_urlpatterns
from accounts.urls import notification_urlpatterns

from . import catalogs, views

# An outage met outside a view is a 503 too (see views.server_error).
handler500 = "healingpaws.views.server_error"


def _not_found(request, *args, **kwargs):
    raise Http404


urlpatterns = [
    path("", views.home, name="home"),
    path("terms/", views.terms, name="terms"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for it on pages without a <link rel="icon"> (the admin).
    path("favicon.ico", views.favicon),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path(
        "jsi18n/",
        # Every page asks for it: browsers revalidate instead of re-downloading.
        # It changes with a deploy or a catalog saved in rosetta (see README).
        last_modified(lambda request: catalogs.loaded_at())(
            catalogs.CheckedJavaScriptCatalog.as_view()
        ),
        name="javascript-catalog",
    ),
    path("accounts/", include("accounts.urls")),
    path("notifications/", include(notification_urlpatterns)),
    path("accounts/", include("allauth.urls")),
    # The owners' app: its JSON API and allauth's headless sign-in for it.
    path("api/v1/", include(("healingpaws.api", "api"))),
    # The site's signup, login and reset rules first (accounts/api_headless.py).
    *headless_urlpatterns("_allauth/app/v1/"),
    path("_allauth/", include("allauth.headless.urls")),
    path("pets/", include("pets.urls")),
    path("reservations/", include("reservations.urls")),
    path("consultation/", include("consultation.urls")),
    path(settings.DJANGO_ADMIN_URL, admin.site.urls),
    # Translators work on the project's own catalogs only: a msgstr is shown
    # unescaped, and third-party catalogs are none of theirs.
    re_path(r"^rosetta/files/(?!project/)[\w-]+/", _not_found),
    # Rosetta's form, refusing translations whose placeholders differ.
    re_path(
        r"^rosetta/files/(?P<po_filter>[\w-]+)/(?P<lang_id>[\w\-_\.@]+)/(?P<idx>\d+)/$",
        catalogs.CheckedTranslationFormView.as_view(),
    ),
    path("rosetta/", include("rosetta.urls")),
]
