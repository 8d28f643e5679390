"""Let doctors read and answer every consultation; nobody deletes one."""

from django.db import migrations

from accounts.migration_tools import grant_permissions, revoke_permissions

DOCTORS_GROUP = "Doctors"
DOCTOR_PERMISSIONS = [
    "view_thread",
    "change_thread",
    "view_message",
    "add_message",
]


def forwards(apps, schema_editor):
    grant_permissions(
        apps,
        group_name=DOCTORS_GROUP,
        app_label="consultation",
        codenames=DOCTOR_PERMISSIONS,
    )


def backwards(apps, schema_editor):
    revoke_permissions(
        apps,
        group_name=DOCTORS_GROUP,
        app_label="consultation",
        codenames=DOCTOR_PERMISSIONS,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("consultation", "0001_initial"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
