import datetime
import os
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from core.images import IMAGE_BROKEN_ERROR, IMAGE_FORMAT_ERROR
from core.tests import images as samples
from pets import services
from pets.models import Pet, Sex, Species
from pets.tests.factories import DoctorNoteFactory, PetFactory


@pytest.mark.django_db
def test_pet_create_stores_the_details_and_three_renditions(customer):
    pet = services.pet_create(
        owner=customer,
        name="Luna",
        species=Species.CAT,
        breed="Siamese",
        sex=Sex.FEMALE_SPAYED,
        birth_date=datetime.date(2022, 5, 1),
        weight_kg=Decimal("3.80"),
        notes="Allergic to penicillin.",
        photo=samples.jpeg_with_gps(size=(3000, 2000)),
    )

    pet.refresh_from_db()
    assert (pet.owner, pet.name, pet.sex) == (customer, "Luna", Sex.FEMALE_SPAYED)
    with Image.open(pet.photo.path) as original:
        assert original.format == "WEBP"
        assert max(original.size) == services.PHOTO_MAX_SIDE
        assert not original.getexif()
    with Image.open(pet.photo_medium.path) as medium:
        assert max(medium.size) == services.PHOTO_MEDIUM_SIDE
    with Image.open(pet.photo_thumbnail.path) as thumbnail:
        side = services.PHOTO_THUMBNAIL_SIDE
        assert thumbnail.size == (side, side)


@pytest.mark.django_db
def test_pet_create_with_a_bad_photo_creates_nothing(customer):
    with pytest.raises(ValidationError) as error:
        services.pet_create(
            owner=customer, name="Luna", species=Species.CAT, photo=samples.svg()
        )

    assert error.value.messages == [str(IMAGE_FORMAT_ERROR)]
    assert not Pet.objects.exists()


@pytest.mark.django_db
def test_pet_create_validates_the_fields(customer):
    with pytest.raises(ValidationError) as error:
        services.pet_create(owner=customer, name="Luna", species="dragon")

    assert "species" in error.value.message_dict
    assert not Pet.objects.exists()


@pytest.mark.django_db
def test_pet_update_changes_the_details(customer):
    pet = PetFactory(owner=customer, name="Rex")

    services.pet_update(pet=pet, name="Rex II", weight_kg=Decimal("12.5"))

    pet.refresh_from_db()
    assert (pet.name, pet.weight_kg) == ("Rex II", Decimal("12.50"))


@pytest.mark.django_db
def test_pet_update_cannot_change_the_owner(customer, other_customer):
    pet = PetFactory(owner=customer)

    with pytest.raises(TypeError):
        services.pet_update(pet=pet, owner=other_customer)

    pet.refresh_from_db()
    assert pet.owner == customer


@pytest.mark.django_db
def test_a_new_photo_replaces_the_old_files(
    customer, django_capture_on_commit_callbacks
):
    pet = services.pet_create(
        owner=customer, name="Rex", species=Species.DOG, photo=samples.png()
    )
    old_paths = [pet.photo.path, pet.photo_medium.path, pet.photo_thumbnail.path]

    with django_capture_on_commit_callbacks(execute=True):
        services.pet_update(pet=pet, photo=samples.webp())

    assert pet.photo.path not in old_paths
    assert all(not os.path.exists(path) for path in old_paths)
    assert os.path.exists(pet.photo_thumbnail.path)


@pytest.mark.django_db
def test_a_photo_damaged_past_its_header_changes_nothing(customer):
    pet = PetFactory(owner=customer, name="Rex")
    broken = samples.png(size=(400, 400))
    broken = type(broken)(broken.name, broken.read()[:200], broken.content_type)

    with pytest.raises(ValidationError) as error:
        services.pet_update(pet=pet, name="Changed", photo=broken)

    assert error.value.messages == [str(IMAGE_BROKEN_ERROR)]
    pet.refresh_from_db()
    assert pet.name == "Rex"
    assert not pet.photo


@pytest.mark.django_db
def test_archive_and_restore_keep_the_records(customer, doctor):
    pet = PetFactory(owner=customer)
    DoctorNoteFactory(pet=pet, author=doctor)

    services.pet_archive(pet=pet)
    archived_at = pet.archived_at
    services.pet_archive(pet=pet)  # twice is harmless

    assert pet.archived_at == archived_at is not None
    assert pet.doctor_notes.count() == 1
    services.pet_restore(pet=pet)
    pet.refresh_from_db()
    assert pet.archived_at is None


@pytest.mark.django_db
def test_doctor_note_add_validates_and_stores(customer, doctor):
    pet = PetFactory(owner=customer)

    note = services.doctor_note_add(
        pet=pet, author=doctor, text="Stitches out on Friday.", visible_to_owner=True
    )

    assert note.pk
    assert note.author == doctor
    with pytest.raises(ValidationError):
        services.doctor_note_add(pet=pet, author=doctor, text="", visible_to_owner=True)
    with pytest.raises(ValidationError):
        services.doctor_note_add(
            pet=pet, author=doctor, text="x" * 4001, visible_to_owner=True
        )


@pytest.mark.django_db
def test_a_note_can_be_shared_later_but_its_text_stays(customer, doctor):
    note = DoctorNoteFactory(
        pet=PetFactory(owner=customer), author=doctor, visible_to_owner=False
    )

    services.doctor_note_set_visibility(note=note, visible_to_owner=True)

    note.refresh_from_db()
    assert note.visible_to_owner
