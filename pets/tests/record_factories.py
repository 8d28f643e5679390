import datetime

import factory

from accounts.tests.factories import DoctorFactory
from pets.models import CareDose, CareItem
from pets.tests.factories import PetFactory


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
