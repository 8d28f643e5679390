"""Visit types (issue 16): the table, the hospital's usual types, and the
type of every visit and waitlist entry made before (the first one, in order)."""

import math

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

from accounts.migration_tools import grant_permissions, revoke_permissions

# (name, Chinese name, minutes, bookable online). Consultation comes first:
# it is what every visit booked before types was, and the default.
SEED = [
    ("Consultation", "问诊", 30, True),
    ("Check-up", "体检", 15, True),
    ("Vaccination", "疫苗接种", 15, True),
    ("Surgery consultation", "手术咨询", 45, True),
    ("Dental", "牙科诊疗", 60, False),
]


def forwards(apps, schema_editor):
    VisitType = apps.get_model("reservations", "VisitType")
    ClinicSettings = apps.get_model("reservations", "ClinicSettings")
    rules = ClinicSettings.objects.filter(pk=1).first()
    slot_minutes = rules.slot_minutes if rules else 30
    for position, (name, name_zh, minutes, online) in enumerate(SEED, start=1):
        VisitType.objects.get_or_create(
            name=name,
            defaults={
                "name_zh": name_zh,
                # A visit shorter than a slot still takes a whole one.
                "slot_units": max(1, math.ceil(minutes / slot_minutes)),
                "online": online,
                "position": position * 10,
            },
        )
    first = VisitType.objects.order_by("position", "pk").first()
    # Every visit so far held one place: `places` keeps its default of 1.
    apps.get_model("reservations", "Reservation").objects.filter(
        visit_type__isnull=True
    ).update(visit_type=first)
    apps.get_model("reservations", "WaitlistEntry").objects.filter(
        visit_type__isnull=True
    ).update(visit_type=first)
    grant_permissions(
        apps,
        group_name="Doctors",
        app_label="reservations",
        codenames=["view_visittype", "add_visittype", "change_visittype"],
    )
    grant_permissions(
        apps,
        group_name="Front desk",
        app_label="reservations",
        codenames=["view_visittype"],
    )


def backwards(apps, schema_editor):
    for group_name in ("Doctors", "Front desk"):
        revoke_permissions(
            apps,
            group_name=group_name,
            app_label="reservations",
            codenames=["view_visittype", "add_visittype", "change_visittype"],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reservations", "0007_waitlist"),
    ]

    operations = [
        migrations.CreateModel(
            name="VisitType",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "name",
                    models.CharField(max_length=60, unique=True, verbose_name="name"),
                ),
                (
                    "name_zh",
                    models.CharField(
                        blank=True,
                        help_text="Shown on Chinese pages; the name above when left empty.",
                        max_length=60,
                        verbose_name="Chinese name",
                    ),
                ),
                (
                    "slot_units",
                    models.PositiveSmallIntegerField(
                        default=1,
                        help_text="How many consecutive slots the visit takes. A visit shorter than a slot still takes a whole one.",
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(16),
                        ],
                        verbose_name="length (slots)",
                    ),
                ),
                (
                    "online",
                    models.BooleanField(
                        default=True,
                        help_text="Otherwise only the hospital's staff book it.",
                        verbose_name="owners may book it online",
                    ),
                ),
                (
                    "active",
                    models.BooleanField(
                        default=True,
                        help_text="Inactive types are offered to nobody; their visits keep them.",
                        verbose_name="active",
                    ),
                ),
                (
                    "position",
                    models.PositiveSmallIntegerField(
                        default=0,
                        help_text="Lists show types by this number; the first one is the default.",
                        verbose_name="order",
                    ),
                ),
            ],
            options={
                "verbose_name": "visit type",
                "verbose_name_plural": "visit types",
                "ordering": ["position", "pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("slot_units__gte", 1)),
                        name="reservations_visit_type_has_length",
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="reservation",
            name="places",
            field=models.PositiveSmallIntegerField(
                default=1, verbose_name="slots taken"
            ),
        ),
        migrations.AddField(
            model_name="waitlistentry",
            name="offered_places",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="reservation",
            name="visit_type",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reservations",
                to="reservations.visittype",
                verbose_name="type of visit",
            ),
        ),
        migrations.AddField(
            model_name="waitlistentry",
            name="visit_type",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="reservations.visittype",
                verbose_name="type of visit",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
