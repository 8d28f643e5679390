import pytest

from core import presence

ONLINE_DOCTOR = {"role": presence.DOCTOR, "user_id": 0, "channel": "elsewhere"}


@pytest.fixture(autouse=True)
def doctor_online():
    """A doctor is online somewhere, as in opening hours: a customer's message
    gets no "no doctor online" notice unless a test asks for none."""
    presence.presence_enter(**ONLINE_DOCTOR)
    yield
    presence.presence_leave(**ONLINE_DOCTOR)


@pytest.fixture
def no_doctor_online(doctor_online):
    presence.presence_leave(**ONLINE_DOCTOR)
