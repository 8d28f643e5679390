"""Let doctors look after pets and write notes; nobody deletes a record."""

from django.db import migrations

from accounts.migration_tools import grant_permissions, revoke_permissions

DOCTORS_GROUP = "Doctors"
DOCTOR_PERMISSIONS = [
    "view_pet",
    "add_pet",
    "change_pet",
    "view_doctornote",
    "add_doctornote",
    "change_doctornote",
]


def forwards(apps, schema_editor):
    grant_permissions(
        apps, group_name=DOCTORS_GROUP, app_label="pets", codenames=DOCTOR_PERMISSIONS
    )


def backwards(apps, schema_editor):
    revoke_permissions(
        apps, group_name=DOCTORS_GROUP, app_label="pets", codenames=DOCTOR_PERMISSIONS
    )


class Migration(migrations.Migration):
    dependencies = [
        ("pets", "0001_initial"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
