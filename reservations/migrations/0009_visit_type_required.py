"""Every visit and waitlist entry has a type from now on (0008 filled them).

Apart from 0008: PostgreSQL cannot alter a table in the transaction that
updated its rows. The column is made NOT NULL without a default first, then
given the model's default (a callable, never run by the migration)."""

import django.db.models.deletion
from django.db import migrations, models

import reservations.visit_types


DEFAULT = {"default": reservations.visit_types.default_visit_type_pk}


def _field(related_name, **default):
    return models.ForeignKey(
        on_delete=django.db.models.deletion.PROTECT,
        related_name=related_name,
        to="reservations.visittype",
        verbose_name="type of visit",
        **default,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reservations", "0008_visit_types"),
    ]

    operations = [
        migrations.AlterField(
            model_name="reservation", name="visit_type", field=_field("reservations")
        ),
        migrations.AlterField(
            model_name="waitlistentry", name="visit_type", field=_field("+")
        ),
        migrations.AlterField(
            model_name="reservation",
            name="visit_type",
            field=_field("reservations", **DEFAULT),
        ),
        migrations.AlterField(
            model_name="waitlistentry", name="visit_type", field=_field("+", **DEFAULT)
        ),
    ]
