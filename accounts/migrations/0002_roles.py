"""Create the role groups and the doctors' permissions on accounts.

Later apps grant their own models' permissions to "Doctors" in their own data
migrations, through accounts.migration_tools.
"""

from django.db import migrations

from accounts.migration_tools import grant_permissions

DOCTORS_GROUP = "Doctors"
TRANSLATORS_GROUP = "translators"
DOCTOR_PERMISSIONS = ["view_user", "change_user"]


def forwards(apps, schema_editor):
    grant_permissions(
        apps,
        group_name=DOCTORS_GROUP,
        app_label="accounts",
        codenames=DOCTOR_PERMISSIONS,
    )
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name=TRANSLATORS_GROUP)


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=[DOCTORS_GROUP, TRANSLATORS_GROUP]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
