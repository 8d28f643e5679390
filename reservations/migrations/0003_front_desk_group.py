"""The "Front desk" group and what it may do in the dashboard.

Reception registers walk-ins, checks visits in and marks no-shows: it sees and
changes visits (the services then allow it only its own moves, see
states.FRONT_DESK_TRANSITIONS), sees the booking rules and hours, finds
customers and their pets. It gets nothing of doctor notes, consultations or
the rules' changes.
"""

from django.db import migrations

from accounts.migration_tools import grant_permissions, revoke_permissions

FRONT_DESK_GROUP = "Front desk"
FRONT_DESK_PERMISSIONS = {
    "reservations": [
        "view_reservation",
        "change_reservation",
        "view_reservationevent",
        "view_slot",
        "view_clinicsettings",
        "view_openinghours",
    ],
    "pets": ["view_pet"],
    "accounts": ["view_user"],
}


def forwards(apps, schema_editor):
    for app_label, codenames in FRONT_DESK_PERMISSIONS.items():
        grant_permissions(
            apps, group_name=FRONT_DESK_GROUP, app_label=app_label, codenames=codenames
        )


def backwards(apps, schema_editor):
    for app_label, codenames in FRONT_DESK_PERMISSIONS.items():
        revoke_permissions(
            apps, group_name=FRONT_DESK_GROUP, app_label=app_label, codenames=codenames
        )
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name=FRONT_DESK_GROUP, permissions=None).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reservations", "0002_defaults_and_doctor_permissions"),
        ("pets", "0002_doctor_permissions"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
