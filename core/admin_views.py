"""What the site's admin pages share, for every app's admin."""


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
