"""Writes to pets and their doctor's notes. Views, admin and commands call these."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.images import process_image, replace_images

from .models import DoctorNote, Pet, Sex

# The fields an owner (or a doctor on their behalf) keeps up to date.
PET_DETAIL_FIELDS = (
    "name",
    "species",
    "breed",
    "sex",
    "birth_date",
    "weight_kg",
    "notes",
    "microchip_number",
    "blood_type",
)

PHOTO_MAX_SIDE = 2048
PHOTO_MEDIUM_SIDE = 720
PHOTO_THUMBNAIL_SIDE = 256


@transaction.atomic
def pet_create(
    *,
    owner: User,
    name: str,
    species: str,
    breed: str = "",
    sex: str = Sex.UNKNOWN,
    birth_date: datetime.date | None = None,
    weight_kg: Decimal | None = None,
    notes: str = "",
    microchip_number: str = "",
    blood_type: str = "",
    photo=None,
) -> Pet:
    """Register a pet for its owner; the photo, if any, goes through the pipeline.

    The photo is decoded before anything is written: a bad image raises
    ValidationError and no pet is created.
    """
    processed = _process_photo(photo) if photo else None
    pet = Pet(
        owner=owner,
        name=name,
        species=species,
        breed=breed,
        sex=sex,
        birth_date=birth_date,
        weight_kg=weight_kg,
        notes=notes,
        microchip_number=microchip_number,
        blood_type=blood_type,
    )
    pet.full_clean()
    pet.save()
    if processed:
        _store_photo(pet, processed)
    return pet


@transaction.atomic
def pet_update(*, pet: Pet, photo=None, **fields) -> Pet:
    """Change a pet's details (any of PET_DETAIL_FIELDS) and, if given, its photo."""
    unknown = set(fields) - set(PET_DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"pet_update() cannot change {', '.join(sorted(unknown))}")
    processed = _process_photo(photo) if photo else None
    for name, value in fields.items():
        setattr(pet, name, value)
    pet.full_clean()
    pet.save(update_fields=[*fields, "updated_at"])
    if processed:
        _store_photo(pet, processed)
    return pet


def pet_archive(*, pet: Pet) -> Pet:
    """Take a pet off "My pets"; its records stay, and doctors still see it."""
    if pet.archived_at is None:
        pet.archived_at = timezone.now()
        pet.save(update_fields=["archived_at", "updated_at"])
    return pet


def pet_restore(*, pet: Pet) -> Pet:
    if pet.archived_at is not None:
        pet.archived_at = None
        pet.save(update_fields=["archived_at", "updated_at"])
    return pet


def doctor_note_add(
    *, pet: Pet, author: User, text: str, visible_to_owner: bool
) -> DoctorNote:
    note = DoctorNote(
        pet=pet, author=author, text=text, visible_to_owner=visible_to_owner
    )
    note.full_clean()
    note.save()
    return note


def doctor_note_set_visibility(
    *, note: DoctorNote, visible_to_owner: bool
) -> DoctorNote:
    """Share a note with the owner or take it back; its text never changes."""
    note.visible_to_owner = visible_to_owner
    note.save(update_fields=["visible_to_owner", "updated_at"])
    return note


def _process_photo(upload):
    return process_image(
        upload,
        max_side=PHOTO_MAX_SIDE,
        thumbnail_side=PHOTO_THUMBNAIL_SIDE,
        medium_side=PHOTO_MEDIUM_SIDE,
    )


def _store_photo(pet, processed):
    return replace_images(
        pet,
        {
            "photo": processed.original,
            "photo_medium": processed.medium,
            "photo_thumbnail": processed.thumbnail,
        },
    )
