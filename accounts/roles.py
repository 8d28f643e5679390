"""
Who is who. Roles are Django groups so that the admin can show and change them.

- doctor: active staff member of the "Doctors" group (permissions come from a
  data migration); never needs to be superuser.
- front desk: active staff member of the "Front desk" group (permissions from
  reservations' data migration): walk-ins, check-in, no-shows in the dashboard;
  no triage, no treatment, no medical notes.
- operator: an active superuser: runs the hospital's system (the access
  log of medical records is theirs alone).
- translator: member of the "translators" group; reaches /rosetta/ only.
- customer: everybody else.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Value

DOCTORS_GROUP = "Doctors"
TRANSLATORS_GROUP = "translators"
FRONT_DESK_GROUP = "Front desk"


def is_doctor(user):
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    # Cached on the instance: templates ask several times per page.
    if not hasattr(user, "_is_doctor"):
        user._is_doctor = user.groups.filter(name=DOCTORS_GROUP).exists()
    return user._is_doctor


def is_front_desk(user):
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if not hasattr(user, "_is_front_desk"):
        user._is_front_desk = user.groups.filter(name=FRONT_DESK_GROUP).exists()
    return user._is_front_desk


def with_role_flags(users):
    """The users' queryset with is_doctor() and is_front_desk() read along,
    annotated where those two cache them on each instance: the sockets'
    access checks (core.access_checks) read a user, or a batch of users, in
    the same query as their roles (issue 14: a query less at every chat
    message and re-check). The flags mean something only for active staff,
    which is all those two read them for."""
    from django.contrib.auth import get_user_model

    memberships = get_user_model().groups.through.objects.filter(user_id=OuterRef("pk"))
    return users.annotate(
        _is_doctor=Exists(memberships.filter(group__name=DOCTORS_GROUP)),
        _is_front_desk=Exists(memberships.filter(group__name=FRONT_DESK_GROUP)),
    )


def load_roles(user) -> None:
    """Read a staff member's groups and permissions in one query, cached on
    the instance where is_doctor, is_front_desk and Django's ModelBackend look
    for them (`_perm_cache` and its two halves): a dashboard page would
    otherwise ask three times (issue 14). Superusers need none of it (they
    are doctors and have every permission without a query); anybody else
    who is not active staff is left to the usual checks."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return
    if user.is_superuser or hasattr(user, "_perm_cache"):
        return
    from django.contrib.auth.models import Group, Permission

    def rows(queryset, kind, first, second):
        # No ORDER BY: a compound statement's parts may not have one.
        return (
            queryset.order_by()
            .annotate(row_kind=Value(kind), first=F(first), second=F(second))
            .values_list("row_kind", "first", "second")
        )

    found = rows(Group.objects.filter(user=user), "group", "name", "name").union(
        rows(Permission.objects.filter(user=user), "user", *_PERMISSION),
        rows(Permission.objects.filter(group__user=user), "group_perm", *_PERMISSION),
        all=True,
    )
    groups, user_perms, group_perms = set(), set(), set()
    into = {"group": groups, "user": user_perms, "group_perm": group_perms}
    for kind, first, second in found:
        into[kind].add(first if kind == "group" else f"{first}.{second}")
    user._is_doctor = DOCTORS_GROUP in groups
    user._is_front_desk = FRONT_DESK_GROUP in groups
    user._user_perm_cache = user_perms
    user._group_perm_cache = group_perms
    user._perm_cache = user_perms | group_perms


# A permission as ModelBackend names it: "<app label>.<codename>".
_PERMISSION = ("content_type__app_label", "codename")


def is_hospital_staff(user):
    """Who works in the dashboard: doctors and the front desk."""
    return is_doctor(user) or is_front_desk(user)


def is_operator(user):
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def is_translator(user):
    return (
        user.is_authenticated
        and user.is_active
        and user.groups.filter(name=TRANSLATORS_GROUP).exists()
    )


def can_translate(user):
    """ROSETTA_ACCESS_CONTROL_FUNCTION: translators and superusers only.

    Doctors are staff, which rosetta's default would not tell from translators.
    """
    return is_translator(user) or (user.is_authenticated and user.is_superuser)


def rosetta_access(user):
    """ROSETTA_ACCESS_CONTROL_FUNCTION: who may open /rosetta/.

    rosetta sends whoever fails this to the login page, and allauth's login
    sends a signed-in user straight back: an endless redirect for customers and
    doctors. Visitors still go to the login; signed-in users without the right
    get the site's 403 page.
    """
    if not user.is_authenticated:
        return False
    if not can_translate(user):
        raise PermissionDenied
    return True


def is_listed_doctor_email(email):
    return bool(email) and email.strip().lower() in settings.HEALINGPAWS_DOCTOR_EMAILS


def can_view_avatar(viewer, owner):
    """Avatars are personal data: the owner and doctors see a customer's; any
    signed-in user sees a doctor's (they appear beside replies)."""
    if not viewer.is_authenticated:
        return False
    return viewer.pk == owner.pk or is_doctor(viewer) or is_doctor(owner)
