import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from pets.models import (
    BIRTH_DATE_IN_FUTURE_ERROR,
    WEIGHT_RANGE_ERROR,
    DoctorNote,
    Pet,
)
from pets.tests.factories import DoctorNoteFactory, PetFactory


@pytest.mark.django_db
def test_a_customer_sees_only_their_own_pets(customer, other_customer):
    mine = PetFactory(owner=customer)
    PetFactory(owner=other_customer)

    assert list(Pet.objects.visible_to(customer)) == [mine]


@pytest.mark.django_db
def test_a_doctor_sees_every_pet_archived_ones_too(doctor, customer, other_customer):
    PetFactory(owner=customer)
    PetFactory(owner=other_customer, archived_at=timezone.now())

    assert Pet.objects.visible_to(doctor).count() == 2


@pytest.mark.django_db
def test_an_anonymous_visitor_sees_no_pet(customer):
    from django.contrib.auth.models import AnonymousUser

    PetFactory(owner=customer)

    assert not Pet.objects.visible_to(AnonymousUser()).exists()


@pytest.mark.django_db
def test_active_and_archived_split_the_pets(customer):
    active = PetFactory(owner=customer)
    archived = PetFactory(owner=customer, archived_at=timezone.now())

    assert list(Pet.objects.active()) == [active]
    assert list(Pet.objects.archived()) == [archived]


@pytest.mark.django_db
def test_the_database_refuses_an_impossible_weight(customer):
    with pytest.raises(IntegrityError):
        PetFactory(owner=customer, weight_kg=Decimal("-1"))


@pytest.mark.django_db
def test_the_database_refuses_an_unknown_species(customer):
    with pytest.raises(IntegrityError):
        PetFactory(owner=customer, species="dragon")


@pytest.mark.django_db
def test_the_database_refuses_a_nameless_pet(customer):
    with pytest.raises(IntegrityError):
        PetFactory(owner=customer, name="")


@pytest.mark.django_db
def test_a_birth_date_in_the_future_is_refused_with_a_message(customer):
    pet = PetFactory.build(
        owner=customer, birth_date=timezone.localdate() + datetime.timedelta(days=1)
    )
    with pytest.raises(ValidationError) as error:
        pet.full_clean()
    assert error.value.message_dict["birth_date"] == [str(BIRTH_DATE_IN_FUTURE_ERROR)]


@pytest.mark.django_db
def test_a_birth_date_a_century_ago_is_refused(customer):
    pet = PetFactory.build(owner=customer, birth_date=datetime.date(1920, 1, 1))
    with pytest.raises(ValidationError) as error:
        pet.full_clean()
    assert "80 years" in error.value.message_dict["birth_date"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("weight", ["0", "1000.01"])
def test_a_weight_out_of_range_is_refused_with_a_message(customer, weight):
    pet = PetFactory.build(owner=customer, weight_kg=Decimal(weight))
    with pytest.raises(ValidationError) as error:
        pet.full_clean()
    assert str(WEIGHT_RANGE_ERROR) in error.value.message_dict["weight_kg"]


@pytest.mark.django_db
def test_internal_notes_are_for_doctors_only(doctor, customer):
    pet = PetFactory(owner=customer)
    shared = DoctorNoteFactory(pet=pet, author=doctor, visible_to_owner=True)
    DoctorNoteFactory(pet=pet, author=doctor, visible_to_owner=False)

    assert list(DoctorNote.objects.visible_to(customer)) == [shared]
    assert DoctorNote.objects.visible_to(doctor).count() == 2


@pytest.mark.django_db
def test_the_database_refuses_an_empty_note(doctor, customer):
    with pytest.raises(IntegrityError):
        DoctorNoteFactory(pet=PetFactory(owner=customer), author=doctor, text="")
