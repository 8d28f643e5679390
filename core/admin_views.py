"""What the site's admin pages share, for every app's admin."""

from django.contrib import admin


class ReadOnlyAdminMixin:
    """A list operators and doctors read: rows come and go through the
    services (and the admin actions the page offers), never through the
    admin's add, change and delete forms."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DefaultChoiceFilter(admin.SimpleListFilter):
    """A filter that applies its default choice while the URL names none.

    An absent parameter means the default, so "All" is a choice of its own
    ("all"), and choices() marks whichever choice applies as selected.
    """

    ALL = "all"

    def default(self):
        raise NotImplementedError

    def value(self):
        chosen = super().value()
        return chosen if chosen in dict(self.lookup_choices) else self.default()

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string(
                    {self.parameter_name: lookup}
                ),
                "display": title,
            }
