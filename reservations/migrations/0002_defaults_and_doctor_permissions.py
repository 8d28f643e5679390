"""The hospital's default booking rules, and what doctors may do here.

Hours match the home page: Monday to Saturday 8:00-20:00, Sunday 9:00-17:00;
30-minute slots, two doctors on duty. Doctors change them in the admin.
"""

import datetime

from django.db import migrations

from accounts.migration_tools import grant_permissions, revoke_permissions

DOCTORS_GROUP = "Doctors"
DOCTOR_PERMISSIONS = [
    "view_reservation",
    "change_reservation",
    "view_reservationevent",
    "view_slot",
    "view_clinicsettings",
    "change_clinicsettings",
    "view_openinghours",
    "change_openinghours",
]
WEEKDAY_HOURS = (datetime.time(8), datetime.time(20))
SUNDAY_HOURS = (datetime.time(9), datetime.time(17))


def forwards(apps, schema_editor):
    ClinicSettings = apps.get_model("reservations", "ClinicSettings")
    OpeningHours = apps.get_model("reservations", "OpeningHours")
    ClinicSettings.objects.get_or_create(pk=1)
    for weekday in range(7):
        opens, closes = SUNDAY_HOURS if weekday == 6 else WEEKDAY_HOURS
        OpeningHours.objects.get_or_create(
            weekday=weekday, defaults={"opens": opens, "closes": closes}
        )
    grant_permissions(
        apps,
        group_name=DOCTORS_GROUP,
        app_label="reservations",
        codenames=DOCTOR_PERMISSIONS,
    )


def backwards(apps, schema_editor):
    revoke_permissions(
        apps,
        group_name=DOCTORS_GROUP,
        app_label="reservations",
        codenames=DOCTOR_PERMISSIONS,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reservations", "0001_initial"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
