"""Integration keys and webhooks in the admin, for operators (superusers)
only: doctors and the front desk never see them, whatever their
permissions. A key or an endpoint secret is shown once, on a page that is
the answer to the POST that made it (ShownOnceMixin); the list of deliveries
and their attempts is read-only."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .admin_views import ReadOnlyAdminMixin
from .api_keys import api_key_issue, api_key_revoke
from .integration_models import (
    ApiKey,
    Scope,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from .webhook_http import TargetRefused, checked_target
from .webhooks import webhook_secret_new

ACTS_AS_REQUIRED_ERROR = _(
    "A key that changes the state of visits acts as a staff account: choose one."
)


class OperatorsOnly:
    """Superusers only: no sidebar entry for anybody else, 403 on the URLs."""

    def _operator(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self._operator(request)

    def has_view_permission(self, request, obj=None):
        return self._operator(request)

    def has_add_permission(self, request):
        return self._operator(request)

    def has_change_permission(self, request, obj=None):
        return self._operator(request)

    def has_delete_permission(self, request, obj=None):
        return self._operator(request)


class ShownOnceMixin:
    """Shows a key or a secret once: in the answer to the POST that made it,
    uncached, never through a message (Django's messages travel in a cookie,
    signed but not encrypted, and come back with the next request)."""

    def _shown_once(self, request, obj, *, intro: str, value: str) -> None:
        url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=[quote(obj.pk)],
            current_app=self.admin_site.name,
        )
        shown = {"intro": intro, "value": value, "url": url, "link": str(obj)}
        request._shown_once = [*getattr(request, "_shown_once", []), shown]

    def _shown_once_page(self, request):
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Copy it now"),
            "opts": self.opts,
            "warning": gettext(
                "It is shown on this page only: leaving or reloading it loses it."
            ),
            "items": request._shown_once,
        }
        response = TemplateResponse(request, "admin/core/shown_once.html", context)
        add_never_cache_headers(response)  # Cache-Control: no-store among others
        return response

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, "_shown_once", None):
            return self._shown_once_page(request)
        return super().response_add(request, obj, post_url_continue)


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiKey
        fields = ["name", "scopes", "acts_as"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["acts_as"].queryset = get_user_model().objects.filter(
            is_staff=True, is_active=True
        )

    def clean(self):
        cleaned = super().clean()
        if Scope.WRITE_VISIT_STATE in cleaned.get("scopes", []) and not cleaned.get(
            "acts_as"
        ):
            self.add_error("acts_as", ACTS_AS_REQUIRED_ERROR)
        return cleaned


@admin.register(ApiKey)
class ApiKeyAdmin(OperatorsOnly, ShownOnceMixin, admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ("name", "prefix", "scope_list", "acts_as", "last_used_at", "state")
    readonly_fields = (
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    actions = ["revoke"]

    @admin.display(description=_("scopes"))
    def scope_list(self, obj):
        labels = dict(Scope.choices)
        return ", ".join(str(labels.get(scope, scope)) for scope in obj.scopes)

    @admin.display(description=_("state"))
    def state(self, obj):
        return gettext("Revoked") if obj.revoked_at else gettext("Active")

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, not deleted: its name stays in the history

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        obj.created_by = request.user
        key = api_key_issue(row=obj)
        self._shown_once(
            request,
            obj,
            intro=gettext(
                "The key of “%(name)s”: copy it now, it is not shown again (only "
                "its hash is kept)."
            )
            % {"name": obj.name},
            value=key,
        )

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        for key in queryset:
            api_key_revoke(key=key)
        self.message_user(request, gettext("Revoked."), messages.SUCCESS)


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            checked_target(url)
        except TargetRefused as refused:
            raise forms.ValidationError(str(refused)) from None
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(OperatorsOnly, ShownOnceMixin, admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("name", "url", "event_list", "active")
    readonly_fields = ("created_by", "created_at")
    actions = ["renew_secret"]

    @admin.display(description=_("events"))
    def event_list(self, obj):
        return ", ".join(obj.events)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj.secret = webhook_secret_new()
        obj.save()
        if not change:
            self._show_secret(request, obj)

    def _show_secret(self, request, obj):
        self._shown_once(
            request,
            obj,
            intro=gettext(
                "The signing secret of “%(name)s”: copy it to the receiver now, it "
                "is not shown again."
            )
            % {"name": obj.name},
            value=obj.secret,
        )

    @admin.action(description=_("Renew the signing secret"))
    def renew_secret(self, request, queryset):
        for endpoint in queryset:
            endpoint.secret = webhook_secret_new()
            endpoint.save(update_fields=["secret"])
            self._show_secret(request, endpoint)
        return self._shown_once_page(request)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ("number", "at", "status_code", "duration_ms", "error")
    readonly_fields = fields
    extra = 0

    # Inlines take the parent object too (ReadOnlyAdminMixin's do not).
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(OperatorsOnly, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "event",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "last_duration_ms",
        "last_error",
        "created_at",
    )
    list_filter = ("status", "event", "endpoint")
    list_select_related = ("endpoint",)
    fields = (
        "webhook_id",
        "endpoint",
        "event",
        "status",
        "attempts",
        "created_at",
        "last_attempt_at",
        "body",
    )
    readonly_fields = fields
    inlines = [WebhookAttemptInline]

    # ReadOnlyAdminMixin's refusals win over OperatorsOnly's for writes.
    has_add_permission = ReadOnlyAdminMixin.has_add_permission
    has_change_permission = ReadOnlyAdminMixin.has_change_permission
    has_delete_permission = ReadOnlyAdminMixin.has_delete_permission
