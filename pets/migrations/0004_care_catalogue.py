"""A first care catalogue (doctors adjust it in the admin), and the doctors'
permissions on the record: they keep the catalogue and record doses; nobody
deletes either."""

from django.db import migrations

from accounts.migration_tools import grant_permissions, revoke_permissions

DOCTORS_GROUP = "Doctors"
DOCTOR_PERMISSIONS = [
    "view_careitem",
    "add_careitem",
    "change_careitem",
    "view_caredose",
    "add_caredose",
    "change_caredose",
]

# species, kind, name, Chinese name, interval in months, first dose at weeks
ITEMS = [
    ("dog", "vaccine", "Rabies", "狂犬病疫苗", 12, 12),
    ("dog", "vaccine", "DHPP", "犬四联疫苗 (DHPP)", 36, 6),
    ("dog", "vaccine", "Leptospirosis", "钩端螺旋体疫苗", 12, 12),
    ("dog", "parasites", "Deworming", "体内驱虫", 3, 2),
    ("dog", "parasites", "Flea and tick", "体外驱虫（跳蚤和蜱虫）", 1, 8),
    ("cat", "vaccine", "Rabies", "狂犬病疫苗", 12, 12),
    ("cat", "vaccine", "FVRCP", "猫三联疫苗 (FVRCP)", 36, 6),
    ("cat", "parasites", "Deworming", "体内驱虫", 3, 2),
    ("cat", "parasites", "Flea and tick", "体外驱虫（跳蚤和蜱虫）", 1, 8),
    ("rabbit", "vaccine", "RHDV", "兔瘟疫苗 (RHDV)", 12, 10),
    ("rabbit", "parasites", "Deworming", "体内驱虫", 6, 8),
]


def forwards(apps, schema_editor):
    CareItem = apps.get_model("pets", "CareItem")
    for species, kind, name, name_zh, months, weeks in ITEMS:
        CareItem.objects.get_or_create(
            species=species,
            name=name,
            defaults={
                "kind": kind,
                "name_zh_hans": name_zh,
                "interval_months": months,
                "first_dose_weeks": weeks,
            },
        )
    grant_permissions(
        apps, group_name=DOCTORS_GROUP, app_label="pets", codenames=DOCTOR_PERMISSIONS
    )


def backwards(apps, schema_editor):
    revoke_permissions(
        apps, group_name=DOCTORS_GROUP, app_label="pets", codenames=DOCTOR_PERMISSIONS
    )
    CareItem = apps.get_model("pets", "CareItem")
    for species, _kind, name, *_rest in ITEMS:
        CareItem.objects.filter(species=species, name=name, doses=None).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("pets", "0003_record_care"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
