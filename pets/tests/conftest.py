"""Fixtures the record's test modules share: a frozen clock (noon in
Shanghai on 15 June 2026; a module opts in with
`pytestmark = pytest.mark.usefixtures("frozen")`), Rex the dog and the
seeded rabies vaccine."""

import pytest
import time_machine

from pets.models import CareItem

from .factories import PetFactory
from .record_factories import NOW


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def pet(customer):
    return PetFactory(owner=customer, name="Rex", species="dog")


@pytest.fixture
def rabies(db):
    return CareItem.objects.get(species="dog", name="Rabies")
