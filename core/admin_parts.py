"""The results table of a changelist kept rendered (issue 14): in the doctor
dashboard's lists most of a page's time went to Django drawing each cell
(`items_for_result`), for a table that changes far less often than doctors
load it.

A ModelAdmin with KeptResultsAdminMixin names the generations of what its
table shows (core/page_parts.py); its plain list (no query string: no search,
filter, order or page chosen, the page doctors open and reload) keeps its
table rendered under them, per doctor, language, time zone and day
(templates/admin/change_list.html). Any other list is drawn each time, so
that nobody can fill the cache with variants.

When the table is kept, the page's rows are not loaded either: the list is
counted and the access log records the page's rows from one light query of
their ids and customers (accounts.access_log_admin), which must be written
for every look. Reading the rows with their related tables was the largest
part of what was left of the visits list (bench/hotspots.py).
"""

from collections.abc import Sequence

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from .page_parts import kept_part

# The kept table's HTML, on the request, while its changelist is drawn.
KEPT_RESULTS_ATTRIBUTE = "_kept_results_html"


def results_kept(request) -> bool:
    """Whether the changelist drawn for `request` shows a kept table: its
    rows need not be loaded."""
    return getattr(request, KEPT_RESULTS_ATTRIBUTE, None) is not None


class KeptResultsAdminMixin:
    # The generations the table is kept under (core.page_parts names).
    kept_results_generations: tuple[str, ...] = ()

    def changelist_view(self, request, extra_context=None):
        plain = request.method == "GET" and not request.GET
        generations = list(self.kept_results_generations) if plain else None
        kept = kept_part(
            request,
            name="changelist",
            generations=generations,
            vary=[self.opts.label],  # as the template's cached_part
        )
        setattr(request, KEPT_RESULTS_ATTRIBUTE, kept)
        extra_context = {
            **(extra_context or {}),
            "kept_results_generations": generations,
            "kept_results_html": kept,
        }
        try:
            return super().changelist_view(request, extra_context)
        finally:
            delattr(request, KEPT_RESULTS_ATTRIBUTE)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if results_kept(request):
            # The plain list is its first page.
            shown = min(changelist.result_count, changelist.list_per_page)
            changelist.result_list = UnreadRows(changelist.result_list, shown)
        return changelist

    def get_paginator(self, request, queryset, per_page, *args, **kwargs):
        if results_kept(request):
            # Counted, and the page left unread (a sliced queryset).
            return Paginator(queryset, per_page, *args, **kwargs)
        return super().get_paginator(request, queryset, per_page, *args, **kwargs)


class UnreadRows(Sequence):
    """The rows of a kept table's page: counted, not read. Django's
    changelist_view asks their number ("0 of 40 selected"); whatever iterates
    them reads them then (`queryset`, the page's unevaluated queryset)."""

    def __init__(self, queryset, length: int):
        self.queryset = queryset
        self.length = length

    def __len__(self):
        return self.length

    @cached_property
    def _rows(self):
        return list(self.queryset)

    def __getitem__(self, index):
        return self._rows[index]

    def __iter__(self):
        return iter(self._rows)
