"""The doctor dashboard: Django's admin, branded, for doctors only, in our order."""

import hashlib
from urllib.parse import quote

import django
from admin_reorder.middleware import ModelAdminReorder
from allauth.account.utils import get_next_redirect_url
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from accounts.access_log import AccessView, access_record
from accounts.roles import is_doctor, is_front_desk, is_hospital_staff, load_roles
from consultation.models import Thread
from pets.models import RefillRequest
from pets.record.alerts import may_see_alerts
from reservations.selectors import today_summary


class _AppListOrder(ModelAdminReorder):
    """django-modeladmin-reorder's ordering, fed with our own app list.

    The package's middleware reorders only the index page (and asks the admin
    for a second index render); used here, the same ADMIN_REORDER config also
    orders the app pages and the sidebar.
    """

    def __init__(self, app_list):  # no middleware chain: skip MiddlewareMixin
        self.config = settings.ADMIN_REORDER
        self.app_list = app_list
        self.models_list = []
        for app in app_list:
            for model in app["models"]:
                model["model_name"] = self.get_model_name(
                    app["app_label"], model["object_name"]
                )
                self.models_list.append(model)


def open_consultations(user) -> dict[str, int]:
    """The Today panel's consultation figures for one doctor: open threads,
    and the messages in them `user` has not read, urgent ones apart. One
    query, whatever the number of threads."""
    return (
        Thread.objects.open()
        .with_unread_count(user)
        .aggregate(
            threads=Count("pk"),
            unread=Coalesce(Sum("unread_count"), 0),
            urgent=Coalesce(Sum("unread_urgent_count"), 0),
        )
    )


# What the front desk's pages are called: the doctors' names would be wrong.
FRONT_DESK_HEADER = _("Healing Paws — Front Desk")
FRONT_DESK_INDEX_TITLE = _("Front Desk")


def works_the_desk(user) -> bool:
    """The front desk and not a doctor (both are cached on the user, which
    has_permission has just asked: no query)."""
    return not is_doctor(user) and is_front_desk(user)


def nav_sidebar_key(request, app_list) -> str:
    """What the sidebar (templates/admin/nav_sidebar.html) draws, as a cache
    key: the language, each app and model it lists with their links, and
    which of them the current page is in (as app_list.html tells it)."""
    path = quote(request.path)  # as the template's request.path|urlencode
    shown = [
        (
            app["app_label"],
            str(app["name"]),
            app["app_url"],
            app["app_url"] in path,
            [
                (
                    model["object_name"],
                    str(model["name"]),
                    model.get("admin_url"),
                    model.get("add_url"),
                    bool(model.get("admin_url")) and model["admin_url"] in path,
                )
                for model in app["models"]
            ],
        )
        for app in app_list
    ]
    # The template's own words too, as the catalogs say them now (a catalog
    # edited in rosetta is read again without a restart), and Django's version.
    words = [gettext(text) for text in _SIDEBAR_WORDS]
    key = (django.VERSION, get_language(), words, shown)
    return hashlib.sha256(repr(key).encode()).hexdigest()


# The words of Django's nav_sidebar.html and app_list.html, as they ask for them.
_SIDEBAR_WORDS = (
    "Toggle navigation",
    "Sidebar",
    "Start typing to filter…",
    "Filter navigation items",
    "Models in the %(name)s application",
    "Model name",
    "Add link",
    "Change or view list link",
    "Add",
)


class DoctorDashboardSite(admin.AdminSite):
    site_header = _("Healing Paws — Doctor Dashboard")
    site_title = _("Healing Paws")
    index_title = _("Doctor Dashboard")

    def each_context(self, request):
        context = super().each_context(request)
        if works_the_desk(request.user):
            context["site_header"] = FRONT_DESK_HEADER
        context["nav_sidebar_key"] = nav_sidebar_key(request, context["available_apps"])
        return context

    def has_permission(self, request):
        # Staff alone is not enough: translators or other staff stay out.
        # The front desk comes in too; its group's permissions limit it.
        # Groups and permissions in one query for the whole page (issue 14).
        load_roles(request.user)
        return is_hospital_staff(request.user)

    def login(self, request, extra_context=None):
        """Never Django's login form: credentials are read only by allauth's
        login, with its rate limits and mandatory verification.

        allauth's `secure_admin_login` still shows the stock form to a
        signed-in staff member, and a POST there guesses passwords without a
        limit and switches the session to whichever account matched. Here
        nobody is authenticated, whatever is posted: visitors go to the site's
        login (and come back), doctors to the dashboard, everybody else is
        refused.
        """
        if not request.user.is_authenticated:
            next_url = get_next_redirect_url(request) or reverse(
                "admin:index", current_app=self.name
            )
            return redirect_to_login(next_url)
        if not self.has_permission(request):
            raise PermissionDenied
        return redirect(
            get_next_redirect_url(request)
            or reverse("admin:index", current_app=self.name)
        )

    def password_change(self, request, extra_context=None):
        # Django's form checks the old password without a rate limit; allauth's
        # page does it with one (and asks to reauthenticate).
        return redirect("account_change_password")

    def index(self, request, extra_context=None):
        # The Today panel (templates/admin/index.html). Only doctors get here:
        # admin_view sends everybody else to the login page first.
        today = today_summary(with_alerts=may_see_alerts(request.user))
        access_record(request, today.queue, view=AccessView.LIST)
        extra_context = {
            "today": today,
            "consultations": open_consultations(request.user),
            # Refill requests waiting, urgent ones apart (pets.record.notices
            # pushes a change of them to the doctors' dashboards).
            "refills": (
                RefillRequest.objects.waiting_counts()
                if request.user.has_perm("pets.view_refillrequest")
                else None
            ),
            **(extra_context or {}),
        }
        if works_the_desk(request.user):
            extra_context.setdefault("title", FRONT_DESK_INDEX_TITLE)
        return super().index(request, extra_context)

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request)
        ordered = _AppListOrder(apps).get_app_list()
        named = {app["app_label"] for app in ordered}
        ordered += [app for app in apps if app["app_label"] not in named]
        if app_label:
            ordered = [app for app in ordered if app["app_label"] == app_label]
        return ordered
