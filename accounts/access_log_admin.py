"""The access log in the dashboard: the mixin other apps' admins take to log
what their pages show, and the log's own list, for operators only."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_views import ReadOnlyAdminMixin

from .access_log import AccessLog, AccessView, access_record
from .roles import is_operator
from .sessions import device_name


class AccessLoggedAdminMixin:
    """Logs the objects a staff member opens in this admin: the change page's
    object, and every row of the changelist's page (one INSERT for the page,
    see accounts/access_log.py). Put it first among the admin's bases."""

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if request.method == "GET":
            # Evaluates the page's rows, which the page then renders from
            # the queryset's cache: no second query.
            access_record(request, changelist.result_list, view=AccessView.LIST)
        return changelist

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        # A change page drawn: on a GET, or again with a POST's errors
        # (logged once: the GET that showed the form was logged already).
        if change and obj is not None and request.method == "GET":
            access_record(request, [obj])
        return super().render_change_form(request, context, add, change, form_url, obj)


class CustomerFilter(admin.SimpleListFilter):
    """?customer=<id>: a customer's rows. The list offers only the chosen one
    (listing every customer would be thousands of links); a row's customer
    links here, and the search finds customers by name or e-mail."""

    title = _("customer")
    parameter_name = "customer"

    def lookups(self, request, model_admin):
        value = self.value()
        if not (value and value.isascii() and value.isdigit() and len(value) < 19):
            return []
        customer = (
            AccessLog._meta.get_field("customer").related_model.objects.filter(pk=value)
        ).first()
        return [(value, customer.name)] if customer else []

    def queryset(self, request, queryset):
        if self.value() and self.lookup_choices:
            return queryset.filter(customer_id=self.value())
        return queryset


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who opened which customer's record: operators read it, nobody edits
    it (doctors do not see it: it is about them)."""

    list_display = [
        "at",
        "actor_column",
        "customer_column",
        "kind",
        "object_column",
        "view",
        "channel",
        "ip",
        "device",
    ]
    list_filter = [
        ("actor", admin.RelatedOnlyFieldListFilter),
        CustomerFilter,
        "kind",
        "view",
        "channel",
        "at",
    ]
    list_select_related = ["actor", "customer"]
    date_hierarchy = "at"
    search_fields = [
        "actor__username",
        "actor__display_name",
        "actor_name",
        "customer__username",
        "customer__display_name",
        "customer__email",
    ]
    show_facets = admin.ShowFacets.NEVER
    # Counting millions of rows for the paginator: the page says "more".
    show_full_result_count = False

    def has_module_permission(self, request):
        return is_operator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_operator(request.user)

    @admin.display(description=_("staff member"), ordering="actor__username")
    def actor_column(self, entry):
        return entry.actor_display

    @admin.display(description=_("customer"), ordering="customer__username")
    def customer_column(self, entry):
        return format_html(
            '<a href="?customer={}">{}</a>', entry.customer_id, entry.customer.name
        )

    @admin.display(description=_("object"))
    def object_column(self, entry):
        label = {
            "pet": "pets_pet",
            "visit": "reservations_reservation",
            "thread": "consultation_thread",
            "document": None,
        }[entry.kind]
        if label is None:  # documents have no page of their own
            return f"#{entry.object_id}"
        url = reverse(f"admin:{label}_change", args=[entry.object_id])
        return format_html('<a href="{}">#{}</a>', url, entry.object_id)

    @admin.display(description=_("browser"))
    def device(self, entry):
        return device_name(entry.user_agent) if entry.user_agent else ""
