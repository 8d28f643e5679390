"""The access log in the dashboard: the mixin other apps' admins take to log
what their pages show, and the log's own list, for operators only."""

from functools import reduce

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.paginator import Paginator
from django.db import connection
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_parts import results_kept
from core.admin_views import ReadOnlyAdminMixin

from .access_log import (
    KINDS,
    AccessLog,
    AccessView,
    _http_request,
    _rows,
    _where,
    _write,
    access_record,
    is_logged_actor,
)
from .roles import is_operator
from .sessions import device_name


class AccessLoggedAdminMixin:
    """Logs the objects a staff member opens in this admin: the change page's
    object, its history page's, every row of the changelist's page (one
    INSERT for the page, see accounts/access_log.py) and every object an
    action's page of its own lists (a confirmation). Put it first among the
    admin's bases.

    An admin of another model whose pages show a pet's record (a refill
    request: the drug, the owner's note) names the path to the pet in
    `access_log_through` ("prescription__pet")."""

    access_log_through = ""

    def _logged(self, objects):
        if not self.access_log_through:
            return objects
        path = self.access_log_through.split("__")
        return [reduce(getattr, path, obj) for obj in objects]

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if request.method != "GET":
            return changelist
        if results_kept(request):
            # The table is kept (core.admin_parts): the page's rows are not
            # loaded for it, and one query of their ids and customers is all
            # the log needs.
            access_record_queryset(
                request,
                changelist.result_list.queryset,
                through=self.access_log_through,
                view=AccessView.LIST,
            )
        else:
            # Evaluates the page's rows, which the page then renders from
            # the queryset's cache: no second query.
            rows = self._logged(changelist.result_list)
            access_record(request, rows, view=AccessView.LIST)
        return changelist

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        # A change page drawn: on a GET, or again with a POST's errors
        # (logged once: the GET that showed the form was logged already).
        if change and obj is not None and request.method == "GET":
            access_record(request, self._logged([obj]))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        # The history quotes what was changed (a note's text, say).
        response = super().history_view(request, object_id, extra_context)
        shown = (getattr(response, "context_data", None) or {}).get("object")
        if response.status_code == 200 and shown is not None:
            access_record(request, self._logged([shown]))
        return response

    def response_action(self, request, queryset):
        response = super().response_action(request, queryset)
        # An action answering with a page of its own (cancel's, asking for
        # the reason) lists what it acts on: every visit matching the
        # filter with "select all".
        if isinstance(response, TemplateResponse) and response.status_code == 200:
            across = request.POST.get("select_across", "")
            if across.lower() in ("", "0", "false"):
                queryset = queryset.filter(
                    pk__in=request.POST.getlist(ACTION_CHECKBOX_NAME)
                )
            access_record_queryset(
                request,
                queryset,
                through=self.access_log_through,
                view=AccessView.LIST,
            )
        return response


def access_record_queryset(request, queryset, *, through: str = "", view: str):
    """access_record(request, ...) for every object of `queryset` (or, with
    `through`, a path such as "prescription__pet", the objects its rows lead
    to) with one query for all, however many: no object is loaded (a bulk
    action's page of every visit matching a filter)."""
    request = _http_request(request)
    actor = getattr(request, "user", None)
    if not is_logged_actor(actor):
        return
    model, prefix = queryset.model, ""
    for name in filter(None, through.split("__")):
        model = model._meta.get_field(name).related_model
        prefix += f"{name}__"
    label = model._meta.label_lower
    if label not in KINDS:
        raise ValueError(f"{label} is not a kind of the access log")
    lookup = prefix + "__".join(KINDS[label][1]).removesuffix("_id")
    if not queryset.query.is_sliced:  # a page is one, in its order
        queryset = queryset.order_by()
    customers = {
        (label, pk): customer_id
        for pk, customer_id in queryset.values_list(f"{prefix}pk", lookup)
        if pk is not None
    }
    rows = _rows(
        customers,
        actor_pk=actor.pk,
        fields={
            "actor": actor,
            "actor_name": actor.name[:150],
            **_where(request, None),
            "view": view,
        },
    )
    _write(rows, request)


class StaffFilter(admin.SimpleListFilter):
    """?actor__id__exact=<id>: a staff member's rows. As CustomerFilter: only
    the chosen one is offered (listing who is in the log would read all of
    it); a row's staff member links here."""

    title = _("staff member")
    parameter_name = "actor__id__exact"

    def lookups(self, request, model_admin):
        value = self.value()
        if not (value and value.isascii() and value.isdigit() and len(value) < 19):
            return []
        actor = (
            AccessLog._meta.get_field("actor").related_model.objects.filter(pk=value)
        ).first()
        return [(value, actor.name)] if actor else []

    def queryset(self, request, queryset):
        if self.value() and self.lookup_choices:
            return queryset.filter(actor_id=self.value())
        return queryset


class EstimatedCountPaginator(Paginator):
    """The whole log's size from PostgreSQL's statistics (exact counting of
    millions of rows on every page would take seconds); a filtered list, and
    SQLite, count."""

    ESTIMATE_FROM = 100_000

    @cached_property
    def count(self):
        query = getattr(self.object_list, "query", None)
        if query is not None and not query.where and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                    [AccessLog._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] >= self.ESTIMATE_FROM:
                return int(row[0])
        return super().count


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
        StaffFilter,
        CustomerFilter,
        "kind",
        "view",
        "channel",
        "at",
    ]
    list_select_related = ["actor", "customer"]
    # No date_hierarchy: Django's answers 500 to ?at__year=9999 (it computes
    # the year after); the list filter on `at` covers it.
    paginator = EstimatedCountPaginator
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

    def lookup_allowed(self, lookup, value, request=None):
        # Of `at`, only the bounds its list filter sets: ?at__year= (allowed
        # for a field of list_filter) overflows on a huge year.
        if lookup.startswith("at__") and lookup not in ("at__gte", "at__lt"):
            return False
        return super().lookup_allowed(lookup, value, request)

    def has_module_permission(self, request):
        return is_operator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_operator(request.user)

    @admin.display(description=_("staff member"), ordering="actor__username")
    def actor_column(self, entry):
        if entry.actor_id is None:  # a key, or an account deleted since
            return entry.actor_display
        return format_html(
            '<a href="?actor__id__exact={}">{}</a>', entry.actor_id, entry.actor_display
        )

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
