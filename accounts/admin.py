from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from core.admin_paging import PageFirstAdminMixin
from core.admin_parts import KeptResultsAdminMixin
from core.admin_views import ReadOnlyAdminMixin
from core.page_parts import USERS

from . import (
    access_log_admin,  # noqa: F401 (registers the access log)
    services,
)
from .claim_admin import ClaimCodeAdminMixin
from .forms import UserAdminChangeForm
from .models import AccountClosure, User
from .phones import PhoneSearchMixin
from .roles import DOCTORS_GROUP, TRANSLATORS_GROUP
from .templatetags.accounts_tags import avatar

# What each action says of the users it changed.
DONE_MESSAGES = {
    "promote_to_doctor": ngettext_lazy(
        "%(count)d user is now a doctor.", "%(count)d users are now doctors.", "count"
    ),
    "demote_from_doctor": ngettext_lazy(
        "%(count)d user is no longer a doctor.",
        "%(count)d users are no longer doctors.",
        "count",
    ),
    "deactivate": ngettext_lazy(
        "%(count)d user deactivated.", "%(count)d users deactivated.", "count"
    ),
}


def _others(model_admin, request, users):
    # Nobody locks themselves out by accident, and operators are left alone.
    return users.exclude(pk=request.user.pk).filter(is_superuser=False)


def user_action(name, description, service, *, chosen=_others):
    """The action `name`: `service(user=...)` on each of the `chosen` users."""

    @admin.action(description=description, permissions=["change"])
    def action(model_admin, request, queryset):
        model_admin.apply_to_each(
            request,
            chosen(model_admin, request, queryset),
            service,
            DONE_MESSAGES[name],
        )

    return action


@admin.register(User)
class UserAdmin(
    ClaimCodeAdminMixin,
    KeptResultsAdminMixin,
    PageFirstAdminMixin,
    PhoneSearchMixin,
    DjangoUserAdmin,
):
    # The plain list's table is kept rendered until these change (issue 14).
    kept_results_generations = (USERS,)
    # No second COUNT(*) of the whole table beside the filtered one (issue 14):
    # a filtered list offers "Show all" instead of the total.
    show_full_result_count = False
    # 50 rows a page, not Django's 100: a page renders in half the time, and
    # the search and the filters find the rest (issue 14).
    list_per_page = 50
    form = UserAdminChangeForm
    list_display = [
        "avatar_thumb",
        "username",
        "display_name",
        "email",
        "phone",
        "role",
        "is_active",
        "date_joined",
    ]
    list_display_links = ["avatar_thumb", "username"]
    list_filter = ["is_staff", "is_active", "groups", "preferred_language"]
    search_fields = ["username", "display_name", "email", "phone"]
    ordering = ["-date_joined"]
    actions = ["promote_to_doctor", "demote_from_doctor", "deactivate"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (
            _("Profile"),
            {"fields": ["display_name", "email", "phone", "preferred_language"]},
        ),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined", "claim"]}),
    ]
    # claim: a walk-in's account not claimed yet, and the desk's new code.
    readonly_fields = ["last_login", "date_joined", "claim"]

    # Doctors may look after accounts (promote, deactivate) but never grant
    # themselves more rights, edit an operator, or set somebody's password.
    PRIVILEGE_FIELDS = ["is_staff", "is_superuser", "groups"]
    # Nor change who an account is: a new address would receive the account's
    # password reset. People change their own on /accounts/email/, verified.
    IDENTITY_FIELDS = ["username", "email"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += self.IDENTITY_FIELDS + self.PRIVILEGE_FIELDS
        return readonly

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="")
    def avatar_thumb(self, user):
        # The same markup as on the site (includes/avatar.html): image, or
        # initials until one exists. Built here: the list has one per row.
        shown = avatar(user, "sm")
        if shown["url"]:
            return format_html(
                '<img class="avatar avatar-{}" src="{}" width="{}" height="{}" '
                'alt="{}">',
                shown["size"],
                shown["url"],
                shown["pixels"],
                shown["pixels"],
                user.name,
            )
        return format_html(
            '<span class="avatar avatar-{} {}" aria-hidden="true">{}</span>',
            shown["size"],
            user.avatar_color,
            user.initials,
        )

    @admin.display(description=_("role"))
    def role(self, user):
        names = {group.name for group in user.groups.all()}
        if user.is_superuser:
            return _("operator")
        if user.is_staff and DOCTORS_GROUP in names:
            return _("doctor")
        if TRANSLATORS_GROUP in names:
            return _("translator")
        return _("customer")

    promote_to_doctor = user_action(
        "promote_to_doctor",
        _("Promote to doctor"),
        services.user_promote_to_doctor,
        # Nobody made a doctor while they cannot log in.
        chosen=lambda model_admin, request, users: users.filter(is_active=True),
    )
    demote_from_doctor = user_action(
        "demote_from_doctor",
        _("Remove the doctor role"),
        services.user_demote_from_doctor,
    )
    deactivate = user_action("deactivate", _("Deactivate"), services.user_deactivate)

    # Written by the services after the plain save (see save_model), as are
    # the groups.
    SERVICE_FIELDS = {"email", "is_active", "is_staff", "is_superuser"}

    def save_model(self, request, obj, form, change):
        if not change:  # the add form: a username and a password
            super().save_model(request, obj, form, change)
            return
        data, changed = form.cleaned_data, set(form.changed_data)
        # The plain save keeps what the account has in the fields the services
        # write; the groups are saved by user_set_access too (the form's own
        # save of them then finds nothing to change).
        for name in changed & self.SERVICE_FIELDS:
            setattr(obj, name, form.initial.get(name))
        super().save_model(request, obj, form, change)
        if "is_active" in changed:
            activate = data["is_active"]
            (services.user_activate if activate else services.user_deactivate)(user=obj)
        if changed & {"is_staff", "is_superuser", "groups"}:
            # Only operators see these fields (get_readonly_fields).
            services.user_set_access(
                user=obj,
                is_staff=data["is_staff"],
                is_superuser=data["is_superuser"],
                groups=data["groups"],
            )
        if "email" in changed:
            self._request_email_change(request, obj, data["email"])

    def _request_email_change(self, request, user, email):
        # The address changes only once its owner verifies it (the service
        # says why); until then the account keeps the old one.
        address = services.user_request_email_change(
            user=user, email=email, request=request
        )
        if not address.verified:
            self.message_user(
                request,
                gettext(
                    "A verification e-mail was sent to %(email)s. The account "
                    "keeps its current address until the link in it is "
                    "followed."
                )
                % {"email": email},
                messages.INFO,
            )

    def apply_to_each(self, request, users, service, done):
        count = 0
        for user in users:
            service(user=user)
            count += 1
        self.message_user(request, done % {"count": count}, messages.SUCCESS)


@admin.register(AccountClosure)
class AccountClosureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Accounts whose owners asked to close them: pending first (erased on
    `erase_after` by accounts.closure.close_due_accounts), then done. Read
    only: the customer cancels by signing in; operators do not decide."""

    list_display = ["user", "requested_at", "erase_after", "erased_at"]
    list_filter = [("erased_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    # Pending ones (not erased yet) first.
    ordering = [F("erased_at").asc(nulls_first=True), "erase_after", "pk"]
