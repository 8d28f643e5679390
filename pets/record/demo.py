"""A realistic care history for the demo pets (pets/demo.py): doses over the
years by dr_chen, some up to date, some due soon, one overdue."""

import datetime

from django.utils import timezone

from ..models import CareItem
from .services import care_dose_record

# pet name -> [(item name, days ago each dose was given, batch prefix)]
DEMO_DOSES = {
    "Biscuit": [
        ("DHPP", [3 * 365 - 20, 3 * 365 - 40, 2 * 365 + 300], "NOBIVAC-DHPP"),
        ("Rabies", [2 * 365 + 330, 365 + 330, 340], "RAB-NB"),
        ("Deworming", [220, 130], "MILBEMAX"),  # overdue: due 40 days ago
        ("Flea and tick", [20], "NEXGARD"),
    ],
    "Mochi": [
        ("FVRCP", [95, 67, 39], "FELOCELL"),
        ("Deworming", [60], "PROFENDER"),
    ],
    "花卷": [
        ("FVRCP", [700], "PUREVAX"),
        ("Rabies", [358], "RAB-PV"),  # due within the week
        ("Flea and tick", [25], "BRAVECTO"),
    ],
    "团子": [("RHDV", [150], "FILAVAC")],
}


def seed_record(*, pet, doctor) -> int:
    """Give a newly created demo pet its history; how many doses."""
    if doctor is None:
        return 0
    today = timezone.localdate()
    items = {item.name: item for item in CareItem.objects.for_species(pet.species)}
    count = 0
    for name, days_ago, batch in DEMO_DOSES.get(pet.name, []):
        for number, days in enumerate(sorted(days_ago, reverse=True), start=1):
            care_dose_record(
                pet=pet,
                item=items[name],
                vet=doctor,
                given_on=today - datetime.timedelta(days=days),
                batch_number=f"{batch}-{today.year % 100:02d}{number:02d}",
                notify_owner=False,
            )
            count += 1
    return count
