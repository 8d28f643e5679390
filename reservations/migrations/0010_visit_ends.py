"""Where each visit and each waitlist hold ends (review H1 of issue 16): the
slots it counted a place in are given back as long as they were when it was
booked, whatever the slot length is since (slots.held_times).

Rows made before: their places were counted in slots of the present length
(the admin could change it with visits booked, but a change then miscounted
them anyway), so they end `places` slots of it after their start. Walk-ins
hold no place: no end. Waitlist entries: those ever offered a place (kept
after a lapse, so that the owner is not offered the same place again).
"""

import datetime

from django.db import migrations, models

BATCH = 1000


def fill_ends(apps, schema_editor):
    ClinicSettings = apps.get_model("reservations", "ClinicSettings")
    rules = ClinicSettings.objects.filter(pk=1).first()
    length = datetime.timedelta(minutes=rules.slot_minutes if rules else 30)
    Reservation = apps.get_model("reservations", "Reservation")
    visits = (
        Reservation.objects.filter(ends_at__isnull=True, walk_in=False)
        .select_related("slot")
        .only("places", "slot__starts_at")
    )
    _fill(
        Reservation, visits, "ends_at", lambda v: (v.slot.starts_at, v.places), length
    )
    WaitlistEntry = apps.get_model("reservations", "WaitlistEntry")
    entries = (
        WaitlistEntry.objects.filter(
            offer_ends_at__isnull=True, offered_slot__isnull=False
        )
        .select_related("offered_slot")
        .only("offered_places", "offered_slot__starts_at")
    )
    _fill(
        WaitlistEntry,
        entries,
        "offer_ends_at",
        lambda e: (e.offered_slot.starts_at, e.offered_places),
        length,
    )


def _fill(model, rows, field, start_and_units, length):
    batch = []
    for row in rows.iterator(chunk_size=BATCH):
        starts_at, units = start_and_units(row)
        setattr(row, field, starts_at + units * length)
        batch.append(row)
        if len(batch) == BATCH:
            model.objects.bulk_update(batch, [field])
            batch = []
    model.objects.bulk_update(batch, [field])


class Migration(migrations.Migration):
    dependencies = [
        ("reservations", "0009_visit_type_required"),
    ]

    operations = [
        migrations.AddField(
            model_name="reservation",
            name="ends_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="ends at"),
        ),
        migrations.AddField(
            model_name="waitlistentry",
            name="offer_ends_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(fill_ends, migrations.RunPython.noop, elidable=True),
    ]
