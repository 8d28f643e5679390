"""The doctors' side of reservations: the visit list, a visit's page, the queue,
and the booking rules.

Every change goes through reservations.services, as on the public site, so it
is checked the same way, recorded as an event and mailed to the owner.
"""

from . import pet_history  # noqa: F401  (adds the visit history to the pet's page)
from .queue import REORDER_BAD_REQUEST_ERROR
from .rules import (
    ClinicSettingsAdmin,
    MaxWaitAdmin,
    OpeningHoursAdmin,
    VisitTypeAdmin,
)
from .visits import ReservationAdmin
from .waitlist import WaitlistEntryAdmin

__all__ = [
    "REORDER_BAD_REQUEST_ERROR",
    "ClinicSettingsAdmin",
    "MaxWaitAdmin",
    "OpeningHoursAdmin",
    "ReservationAdmin",
    "VisitTypeAdmin",
    "WaitlistEntryAdmin",
]
