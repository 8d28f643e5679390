"""The results table of a changelist kept rendered (issue 14): in the doctor
dashboard's lists most of a page's time went to Django drawing each cell
(`items_for_result`), for a table that changes far less often than doctors
load it.

A ModelAdmin with KeptResultsAdminMixin names the generations of what its
table shows (core/page_parts.py); its plain list (no query string: no search,
filter, order or page chosen, the page doctors open and reload) keeps its
table rendered under them, per doctor, language, time zone and day
(templates/admin/change_list.html). Any other list is drawn each time, so
that nobody can fill the cache with variants. The queries stay: the count,
the page's rows and the access log's record of them, which must be written
for every look.
"""


class KeptResultsAdminMixin:
    # The generations the table is kept under (core.page_parts names).
    kept_results_generations: tuple[str, ...] = ()

    def changelist_view(self, request, extra_context=None):
        plain = request.method == "GET" and not request.GET
        extra_context = {
            **(extra_context or {}),
            "kept_results_generations": (
                list(self.kept_results_generations) if plain else None
            ),
        }
        return super().changelist_view(request, extra_context)
