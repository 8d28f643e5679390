"""Doctors may read which care reminders were sent (nobody changes them)."""

from django.db import migrations

from accounts.migration_tools import grant_permissions, revoke_permissions

DOCTOR_PERMISSIONS = ["view_carenotice"]


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
        ("pets", "0008_patient_alerts"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
