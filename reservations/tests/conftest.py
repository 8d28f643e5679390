"""Fixtures of the reservations tests."""

import pytest

from reservations.tests.factories import today_at


@pytest.fixture
def at_ten(time_machine):
    """The clock at 10:10 today, in the hospital's time zone, standing still."""
    time_machine.move_to(today_at(10, 10), tick=False)
    return time_machine
