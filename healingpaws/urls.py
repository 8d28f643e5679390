from django.conf import settings
from django.contrib import admin
from django.http import Http404
from django.urls import include, path, re_path
from django.utils import timezone
from django.views.decorators.http import last_modified
from django.views.i18n import JavaScriptCatalog

from accounts.urls import notification_urlpatterns

from . import views

CATALOG_LOADED_AT = timezone.now()

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
        # Translations change only when the process restarts (see README).
        last_modified(lambda request: CATALOG_LOADED_AT)(JavaScriptCatalog.as_view()),
        name="javascript-catalog",
    ),
    path("accounts/", include("accounts.urls")),
    path("notifications/", include(notification_urlpatterns)),
    path("accounts/", include("allauth.urls")),
    path("pets/", include("pets.urls")),
    path("reservations/", include("reservations.urls")),
    path("consultation/", include("consultation.urls")),
    path(settings.DJANGO_ADMIN_URL, admin.site.urls),
    # Translators work on the project's own catalogs only: a msgstr is shown
    # unescaped, and third-party catalogs are none of theirs.
    re_path(r"^rosetta/files/(?!project/)[\w-]+/", _not_found),
    path("rosetta/", include("rosetta.urls")),
]
