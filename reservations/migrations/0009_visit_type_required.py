"""Every visit and waitlist entry has a type from now on (0008 filled them).

Apart from 0008: PostgreSQL cannot alter a table in the transaction that
updated its rows. No default: the services choose the type (VisitType.default()
when none is given), and a default that reads the database would run at every
Reservation() a form or an admin inline makes."""

import django.db.models.deletion
from django.db import migrations, models


def _field(related_name):
    return models.ForeignKey(
        on_delete=django.db.models.deletion.PROTECT,
        related_name=related_name,
        to="reservations.visittype",
        verbose_name="type of visit",
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
    ]
