import datetime

import factory
from django.utils import timezone

from accounts.tests.factories import DoctorFactory
from pets.models import CareDose, CareItem, Prescription
from pets.tests.factories import PetFactory

# The record tests' moment (pets/tests/conftest.py freezes it): noon in
# Shanghai, the hospital's time zone.
NOW = datetime.datetime(2026, 6, 15, 4, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 6, 15)


class CareItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareItem

    name = factory.Sequence(lambda n: f"Vaccine {n}")
    species = "dog"
    interval_months = 12


class CareDoseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareDose

    pet = factory.SubFactory(PetFactory)
    item = factory.SubFactory(
        CareItemFactory, species=factory.SelfAttribute("..pet.species")
    )
    vet = factory.SubFactory(DoctorFactory)
    given_on = datetime.date(2026, 1, 10)
    next_due = factory.LazyAttribute(lambda dose: dose.item.next_due(dose.given_on))


class PrescriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prescription

    pet = factory.SubFactory(PetFactory)
    drug = "Carprofen 50 mg"
    dose = "1 tablet"
    frequency = "twice a day with food"
    instructions = "Give with a meal; stop and call us if he vomits."
    vet = factory.SubFactory(DoctorFactory)
    start_date = factory.LazyFunction(timezone.localdate)
