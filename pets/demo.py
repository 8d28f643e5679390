"""Demo pets for `manage.py seed_demo`, with generated photos and doctor's notes."""

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User

from .models import Pet, Sex, Species
from .record.demo import seed_record
from .services import doctor_note_add, pet_create


@dataclass(frozen=True)
class DemoPet:
    owner: str
    name: str
    species: str
    breed: str
    sex: str
    age_days: int
    weight_kg: str
    notes: str
    colors: tuple[tuple[int, int, int], tuple[int, int, int]]
    # ISO 11784 chips (156: China), and the blood types clinics test for.
    microchip_number: str = ""
    blood_type: str = ""


DEMO_PETS = [
    DemoPet(
        "alice",
        "Biscuit",
        Species.DOG,
        "Golden Retriever",
        Sex.MALE_NEUTERED,
        3 * 365 + 40,
        "31.5",
        "Allergic to chicken. Takes his pills wrapped in cheese.",
        ((244, 162, 97), (231, 111, 81)),
        microchip_number="156098100231457",
        blood_type="DEA 1 positive",
    ),
    DemoPet(
        "alice",
        "Mochi",
        Species.CAT,
        "British Shorthair",
        Sex.FEMALE_SPAYED,
        5 * 30,
        "2.4",
        "",
        ((131, 56, 236), (58, 134, 255)),
        microchip_number="156098100231458",
        blood_type="A",
    ),
    DemoPet(
        "xiaoming",
        "团子",
        Species.RABBIT,
        "荷兰垂耳兔",
        Sex.FEMALE,
        8 * 30 + 10,
        "1.6",
        "怕吵，来医院时请放在安静的地方。",
        ((255, 0, 110), (251, 86, 7)),
    ),
    DemoPet(
        "xiaoming",
        "豆豆",
        Species.BIRD,
        "虎皮鹦鹉",
        Sex.MALE,
        2 * 365 + 100,
        "0.04",
        "",
        ((42, 157, 143), (38, 70, 83)),
    ),
    # A fifth pet: reservations/demo.py shows a visit in each of the five
    # ongoing states, and a pet has one ongoing visit at a time.
    DemoPet(
        "xiaoming",
        "花卷",
        Species.CAT,
        "中华田园猫",
        Sex.MALE_NEUTERED,
        4 * 365 + 200,
        "4.8",
        "",
        ((255, 190, 11), (131, 56, 236)),
        microchip_number="156098100877120",
        blood_type="B",
    ),
]

# (pet name, text, visible to the owner)
DEMO_NOTES = [
    (
        "Biscuit",
        "Annual check-up: heart and lungs normal. Keep the weight under 32 kg.",
        True,
    ),
    ("Biscuit", "Owner reports itching after new treats; watch for dermatitis.", False),
    ("团子", "牙齿检查正常，请继续每天提供干草。", True),
]


def demo_photo(pet: DemoPet, side=640):
    """A paw print on a gradient in the pet's colours, as a PNG upload."""
    top, bottom = pet.colors
    image = Image.new("RGB", (side, side))
    draw = ImageDraw.Draw(image)
    for y in range(side):
        mix = y / (side - 1)
        draw.line(
            [(0, y), (side, y)],
            fill=tuple(
                round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)
            ),
        )
    unit = side / 16
    white = (255, 255, 255)
    draw.ellipse([5 * unit, 7.5 * unit, 11 * unit, 12.5 * unit], fill=white)
    for x, y in ((3.2, 5.2), (5.9, 3.2), (8.9, 3.2), (11.6, 5.2)):
        draw.ellipse(
            [x * unit, y * unit, (x + 2.2) * unit, (y + 2.8) * unit], fill=white
        )
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile(
        f"{pet.species}.png", buffer.getvalue(), content_type="image/png"
    )


def seed_pets(*, dry_run=False):
    """Create the demo pets and notes that are missing; return report lines."""
    owners = {
        user.username: user
        for user in User.objects.filter(
            username__in={pet.owner for pet in DEMO_PETS} | {"dr_chen"}
        )
    }
    lines = []
    today = timezone.localdate()
    for demo in DEMO_PETS:
        owner = owners.get(demo.owner)
        if owner is None and not dry_run:
            lines.append(f"Skipped pet {demo.name}: no user {demo.owner}")
            continue
        if owner and Pet.objects.filter(owner=owner, name=demo.name).exists():
            lines.append(f"Kept    pet {demo.name} of {demo.owner}")
            continue
        lines.append(
            f"{'Would create' if dry_run else 'Created'} pet {demo.name} "
            f"of {demo.owner}"
        )
        if dry_run:
            continue
        pet = pet_create(
            owner=owner,
            name=demo.name,
            species=demo.species,
            breed=demo.breed,
            sex=demo.sex,
            birth_date=today - datetime.timedelta(days=demo.age_days),
            weight_kg=Decimal(demo.weight_kg),
            notes=demo.notes,
            microchip_number=demo.microchip_number,
            blood_type=demo.blood_type,
            photo=demo_photo(demo),
        )
        doctor = owners.get("dr_chen")
        for name, text, visible in DEMO_NOTES:
            if doctor and name == pet.name:
                doctor_note_add(
                    pet=pet, author=doctor, text=text, visible_to_owner=visible
                )
        seed_record(pet=pet, doctor=doctor)
    return lines


# What `manage.py seed_demo` runs of this app (after the apps before it).
seed = seed_pets
