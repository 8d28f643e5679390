"""Fixtures of the accounts tests."""

import pytest

from pets.tests.factories import PetFactory


@pytest.fixture
def pet(customer):
    """The customer's dog, whose record staff open in the access-log tests."""
    return PetFactory(owner=customer, name="Rex")
