"""Create the role groups and the doctors' permissions on accounts.

Later apps grant their own models' permissions to "Doctors" in their own data
migrations (see the DOCTOR_PERMISSIONS list in each).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DOCTORS_GROUP = "Doctors"
TRANSLATORS_GROUP = "translators"
DOCTOR_PERMISSIONS = [("accounts", "view_user"), ("accounts", "change_user")]


def forwards(apps, schema_editor):
    # Permissions are normally made after all migrations (post_migrate); make
    # this app's now so that they can be granted.
    app_config = apps.get_app_config("accounts")
    app_config.models_module = True  # the migration state's stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    doctors, _created = Group.objects.get_or_create(name=DOCTORS_GROUP)
    Group.objects.get_or_create(name=TRANSLATORS_GROUP)
    for app_label, codename in DOCTOR_PERMISSIONS:
        doctors.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


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
