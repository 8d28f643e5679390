"""Doctors attach documents to pets and choose who sees them (the record's
files are never deleted from the dashboard)."""

from django.db import migrations

from accounts.migration_tools import grant_permissions, revoke_permissions

DOCTOR_PERMISSIONS = ["add_petdocument", "change_petdocument", "view_petdocument"]


def forwards(apps, schema_editor):
    grant_permissions(
        apps, group_name="Doctors", app_label="pets", codenames=DOCTOR_PERMISSIONS
    )


def backwards(apps, schema_editor):
    revoke_permissions(
        apps, group_name="Doctors", app_label="pets", codenames=DOCTOR_PERMISSIONS
    )


class Migration(migrations.Migration):
    dependencies = [
        ("pets", "0012_pet_documents"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
