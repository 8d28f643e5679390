from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import services
from .forms import UserAdminChangeForm
from .models import User
from .notifications import user_sockets_close
from .phones import PhoneSearchMixin
from .roles import DOCTORS_GROUP, TRANSLATORS_GROUP
from .templatetags.accounts_tags import avatar


@admin.register(User)
class UserAdmin(PhoneSearchMixin, DjangoUserAdmin):
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
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

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
        # The same markup as on the site: image, or initials until one exists.
        return render_to_string("includes/avatar.html", avatar(user, "sm"))

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

    @admin.action(description=_("Promote to doctor"), permissions=["change"])
    def promote_to_doctor(self, request, queryset):
        self._apply(
            request,
            queryset.filter(is_active=True),
            services.user_promote_to_doctor,
            lambda count: ngettext(
                "%(count)d user is now a doctor.",
                "%(count)d users are now doctors.",
                count,
            ),
        )

    @admin.action(description=_("Remove the doctor role"), permissions=["change"])
    def demote_from_doctor(self, request, queryset):
        self._apply(
            request,
            self._others(request, queryset),
            services.user_demote_from_doctor,
            lambda count: ngettext(
                "%(count)d user is no longer a doctor.",
                "%(count)d users are no longer doctors.",
                count,
            ),
        )

    @admin.action(description=_("Deactivate"), permissions=["change"])
    def deactivate(self, request, queryset):
        self._apply(
            request,
            self._others(request, queryset),
            services.user_deactivate,
            lambda count: ngettext(
                "%(count)d user deactivated.", "%(count)d users deactivated.", count
            ),
        )

    def save_model(self, request, obj, form, change):
        new_email = None
        if change and "email" in form.changed_data:
            # The address changes only once its owner verifies it (the service
            # says why); until then the account keeps the old one.
            new_email = obj.email
            obj.email = form.initial.get("email", "")
        super().save_model(request, obj, form, change)
        if new_email is not None:
            address = services.user_request_email_change(
                user=obj, email=new_email, request=request
            )
            if not address.verified:
                self.message_user(
                    request,
                    gettext(
                        "A verification e-mail was sent to %(email)s. The account "
                        "keeps its current address until the link in it is "
                        "followed."
                    )
                    % {"email": new_email},
                    messages.INFO,
                )
        lost = {"is_active", "is_staff", "is_superuser"} & set(form.changed_data)
        if change and any(not getattr(obj, field) for field in lost):
            # Unticked on the form rather than by an action: same effect (the
            # groups field closes them through accounts.receivers).
            user_sockets_close(obj.pk)

    def _others(self, request, queryset):
        # Nobody locks themselves out by accident, and operators are left alone.
        return queryset.exclude(pk=request.user.pk).filter(is_superuser=False)

    def _apply(self, request, users, service, message):
        count = 0
        for user in users:
            service(user=user)
            count += 1
        self.message_user(request, message(count) % {"count": count}, messages.SUCCESS)
