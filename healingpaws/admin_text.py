"""Admin text that Django leaves in English on Chinese pages (issue 11, item 26).

- The boolean icons' alt text is ``str(True)``: screen readers say "True".
- Group names are data ("Doctors", "translators"), shown as stored in the user
  list's filter, a user's page and the group list: they are translated where
  they are shown, by Group.__str__, for the groups the project defines.
- Strings of Django's admin templates that its Chinese catalog lacks (the
  screen-reader headers of the app list, "Error:") are marked below so that
  makemessages puts them in our catalog, which Django reads first.
"""

import functools

from django.contrib.admin.templatetags import admin_list
from django.contrib.auth.models import Group
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import (
    get_language,
    gettext,
    gettext_noop,
    ngettext,
    pgettext_lazy,
)

from accounts.roles import DOCTORS_GROUP, FRONT_DESK_GROUP, TRANSLATORS_GROUP

GROUP_LABELS = {
    DOCTORS_GROUP: pgettext_lazy("group", "Doctors"),
    TRANSLATORS_GROUP: pgettext_lazy("group", "Translators"),
    FRONT_DESK_GROUP: pgettext_lazy("group", "Front desk"),
}

DJANGO_ADMIN_MESSAGES = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Error:"),
    gettext_noop(
        "After you’ve created a user, you’ll be able to edit more user options."
    ),
)


def _django_plurals(count):  # never called: marks Django's plural for makemessages
    return ngettext(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        count,
    )


def boolean_icon(value):
    """admin_list._boolean_icon with a translated alt text."""
    return _boolean_icon(value, get_language())


@functools.cache
def _boolean_icon(value, language):
    # Three markups per language, built once: a list shows one per row and
    # column, and static() looks its file up in the manifest (issue 14).
    icon, alt = {
        True: ("yes", gettext("Yes")),
        False: ("no", gettext("No")),
        None: ("unknown", gettext("Unknown")),
    }[value]
    return format_html(
        '<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), alt
    )


def group_label(group):
    return str(GROUP_LABELS.get(group.name, group.name))


def install():
    # Django's callers import _boolean_icon from admin_list when they run.
    admin_list._boolean_icon = boolean_icon
    Group.__str__ = group_label
