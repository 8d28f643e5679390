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
