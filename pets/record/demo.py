"""A realistic care history for the demo pets (pets/demo.py): doses over the
years by dr_chen, some up to date, some due soon, one overdue."""

import datetime
from decimal import Decimal

from django.utils import timezone

from ..models import CareItem
from .alerts import alert_set
from .demo_documents import seed_documents
from .health_models import WeightSource
from .medications import prescription_create, refill_request
from .services import care_dose_record
from .weights import weight_record

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


# pet name -> [(days ago, kg, weighed by the owner at home)]
DEMO_WEIGHTS = {
    "Biscuit": [
        (720, "27.8", False),
        (540, "29.6", False),
        (340, "30.9", False),
        (200, "31.2", True),
        (90, "32.4", False),
        (30, "31.9", True),
        (7, "31.5", False),
    ],
    "Mochi": [
        (95, "1.1", False),
        (67, "1.5", False),
        (39, "1.9", False),
        (7, "2.4", True),
    ],
    "花卷": [(358, "5.1", False), (120, "4.9", True), (25, "4.8", False)],
}


# pet name -> [(drug, dose, frequency, days, instructions, started days ago,
# a refill asked (None: not asked, else urgent or not))]
DEMO_PRESCRIPTIONS = {
    "Biscuit": [
        (
            "Apoquel 16 mg",
            "1 tablet",
            "once a day",
            None,
            "For the itching. Give in the morning with breakfast.",
            60,
            False,
        ),
        (
            "Carprofen 75 mg",
            "1 tablet",
            "twice a day with food",
            14,
            "Stop and call us if he vomits or his stools turn black.",
            3,
            None,
        ),
    ],
    "花卷": [
        (
            "阿莫西林克拉维酸钾 50 mg",
            "1 片",
            "每日两次",
            10,
            "喂完整个疗程。",
            200,
            None,
        ),
    ],
}


def seed_record(*, pet, doctor) -> int:
    """Give a newly created demo pet its history; how many entries."""
    if doctor is None:
        return 0
    if pet.name == "花卷":
        # Biscuit's allergy stays in his owner's notes, for a doctor to confirm.
        alert_set(
            pet=pet, by=doctor, kind="aggressive", text="打针时会抓人，请用毛巾包住。"
        )
    return (
        _seed_doses(pet, doctor)
        + _seed_weights(pet, doctor)
        + _seed_prescriptions(pet, doctor)
        + seed_documents(pet=pet, doctor=doctor)
    )


def _seed_prescriptions(pet, doctor) -> int:
    today = timezone.localdate()
    rows = DEMO_PRESCRIPTIONS.get(pet.name, [])
    for drug, dose, frequency, days, instructions, ago, refill in rows:
        prescription = prescription_create(
            pet=pet,
            vet=doctor,
            drug=drug,
            dose=dose,
            frequency=frequency,
            duration_days=days,
            instructions=instructions,
            start_date=today - datetime.timedelta(days=ago),
            notify_owner=False,
        )
        if refill is not None:
            refill_request(prescription=prescription, by=pet.owner, urgent=refill)
    return len(rows)


def _seed_weights(pet, doctor) -> int:
    today = timezone.localdate()
    entries = DEMO_WEIGHTS.get(pet.name, [])
    for days, kg, at_home in entries:
        weight_record(
            pet=pet,
            weight_kg=Decimal(kg),
            weighed_on=today - datetime.timedelta(days=days),
            by=pet.owner if at_home else doctor,
            source=WeightSource.OWNER if at_home else WeightSource.DOCTOR,
        )
    return len(entries)


def _seed_doses(pet, doctor) -> int:
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
