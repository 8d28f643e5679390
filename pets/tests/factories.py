import datetime

import factory
from django.utils import timezone

from accounts.tests.factories import DoctorFactory, UserFactory
from pets.models import DoctorNote, Pet, Species


class PetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pet

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Pet {n}")
    species = Species.DOG
    breed = "Beagle"
    birth_date = factory.LazyFunction(
        lambda: timezone.localdate() - datetime.timedelta(days=3 * 365 + 30)
    )


class DoctorNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DoctorNote

    pet = factory.SubFactory(PetFactory)
    author = factory.SubFactory(DoctorFactory)
    text = factory.Sequence(lambda n: f"Note {n}: all well.")
    visible_to_owner = True
