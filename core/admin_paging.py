"""Changelists that read their page before counting, and count only when they
must, and build their rows' links without a reverse() each (issue 14).

Django's changelist counts the rows its filters match (a COUNT query), then
reads the page (another). Read first, one row more than a page: when that row
is not there, the page is the last one and the count is known, so a list that
fits one page (a day's visits) costs one query, not two. Longer lists count
as before; their page is read once all the same.
"""

from django.contrib.admin.views.main import ALL_VAR, PAGE_VAR, ChangeList
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import cached_property
from django.utils.translation import get_language

# Stands for the object's id in a URL reversed once (change_url).
_PK_MARK = "__pk__"
_url_templates = {}


def change_url(viewname: str, pk, *, current_app: str | None = None) -> str:
    """reverse(viewname, args=[pk]) for an integer pk, from a URL reversed
    once per process (and prefix, URL conf, language): lists link every row,
    and reverse() was a tenth of a changelist's cells."""
    if type(pk) is not int:
        return reverse(viewname, args=[pk], current_app=current_app)
    key = (viewname, current_app, get_script_prefix(), get_urlconf(), get_language())
    template = _url_templates.get(key)
    if template is None:
        try:
            template = reverse(viewname, args=[_PK_MARK], current_app=current_app)
        except NoReverseMatch:  # an id pattern a mark does not match (int)
            template = ""
        if template.count(_PK_MARK) != 1:
            template = ""
        _url_templates[key] = template
    if not template:
        return reverse(viewname, args=[pk], current_app=current_app)
    return template.replace(_PK_MARK, str(pk))


class PageFirstPaginator(Paginator):
    """A paginator that knows which page it will be asked for
    (`page_number`) and reads it while counting."""

    def __init__(self, object_list, per_page, *, page_number=1, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.page_number = page_number
        self.page_rows = None  # the rows of page `page_number`, once read

    @cached_property
    def count(self):
        if (
            not isinstance(self.object_list, QuerySet)
            or self.orphans  # pages are no longer plain slices
            or self.page_number < 1
        ):
            return super().count
        offset = (self.page_number - 1) * self.per_page
        rows = list(self.object_list[offset : offset + self.per_page + 1])
        if len(rows) > self.per_page:  # more pages after this one
            self.page_rows = rows[: self.per_page]
            return super().count
        if not rows and offset:  # past the end: the count says where it is
            return super().count
        self.page_rows = rows
        return offset + len(rows)

    def page(self, number):
        number = self.validate_number(number)
        if self.page_rows is not None and number == self.page_number:
            return self._get_page(self.page_rows, number, self)
        return super().page(number)


class PageFirstChangeList(ChangeList):
    def url_for_result(self, result):
        # As ChangeList's, which reverses for each row and link column.
        return change_url(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            getattr(result, self.pk_attname),
            current_app=self.model_admin.admin_site.name,
        )

    def get_results(self, request):
        super().get_results(request)
        rows = getattr(self.paginator, "page_rows", None)
        # One page in all: Django reads the whole list again; it was read.
        if rows is not None and not self.multi_page and self.page_num == 1:
            self.result_list = rows


class PageFirstAdminMixin:
    """For a ModelAdmin: its changelist reads the page first (see above).
    Not for a list_editable changelist, whose formset wants a queryset."""

    def get_changelist(self, request, **kwargs):
        if self.list_editable:
            return super().get_changelist(request, **kwargs)
        return PageFirstChangeList

    def get_paginator(
        self, request, queryset, per_page, orphans=0, allow_empty_first_page=True
    ):
        # Not for "Show all" (the whole list is read anyway) nor an action's
        # POST (which reads no page): there the count alone is cheaper.
        if self.list_editable or request.method != "GET" or ALL_VAR in request.GET:
            return super().get_paginator(
                request, queryset, per_page, orphans, allow_empty_first_page
            )
        try:
            number = int(request.GET.get(PAGE_VAR, 1))
        except ValueError:  # as ChangeList reads it
            number = 1
        return PageFirstPaginator(
            queryset,
            per_page,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            page_number=number,
        )
