"""Fixtures of the reservations tests."""

import pytest

from pets.tests.factories import PetFactory
from reservations.tests.factories import make_front_desk, today_at


@pytest.fixture
def at_ten(time_machine):
    """The clock at 10:10 today, in the hospital's time zone, standing still."""
    time_machine.move_to(today_at(10, 10), tick=False)
    return time_machine


@pytest.fixture
def desk(db):
    """A front-desk member, signed in by desk_client."""
    return make_front_desk(username="reception", display_name="Rita Desk")


@pytest.fixture
def desk_client(client, desk):
    client.force_login(desk)
    return client


@pytest.fixture
def rex(customer):
    """The customer's dog Rex; the customer has a phone number to search by."""
    customer.phone = "+86 138 0013 8000"
    customer.save(update_fields=["phone"])
    return PetFactory(owner=customer, name="Rex")
