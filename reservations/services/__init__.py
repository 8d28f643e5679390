"""Every change to a visit goes through here: booking, edits, triage, states,
the queue's order, and the booking rules.

Views, the admin, commands and consumers call these functions and nothing else
writes reservations. Each change to a visit is recorded as a ReservationEvent.
The state vocabulary they apply is reservations.states.
"""

from .booking import (
    BOOK_FOR_NOT_ALLOWED_ERROR,
    PET_HAS_ONGOING_VISIT_ERROR,
    PET_NOT_BOOKABLE_ERROR,
    SLOT_UNAVAILABLE_ERROR,
    VISIT_TYPE_INACTIVE_ERROR,
    VISIT_TYPE_NOT_ONLINE_ERROR,
    reservation_create,
    reservation_update,
)
from .common import (
    NOT_ALLOWED_ERROR,
    NOT_EDITABLE_ERROR,
    VISIT_CHANGED_ERROR,
    reservation_version,
)
from .no_shows import no_shows_mark_missed
from .ordering import (
    QUEUE_MIXED_ERROR,
    QUEUE_NOT_ONGOING_ERROR,
    QUEUE_REORDER_REASON,
    QUEUE_REPEATED_ERROR,
    QUEUE_UNKNOWN_ERROR,
    queue_reorder,
)
from .overdue import overdue_visits_alert
from .places import SLOT_TAKEN_ERROR
from .rules import (
    SLOT_LENGTH_IN_USE_ERROR,
    clinic_settings_update,
    max_wait_update,
    opening_hours_update,
    slot_length_check,
)
from .transitions import (
    CANCEL_REASON_REQUIRED_ERROR,
    ILLEGAL_TRANSITION_ERROR,
    NO_SHOW_TOO_EARLY_ERROR,
    NOTE_TOO_LONG_ERROR,
    may_move,
    reservation_advance,
    reservation_transition,
    reservation_triage,
)
from .waitlist import (
    WAITLIST_ALREADY_ERROR,
    WAITLIST_DAYS_ERROR,
    WAITLIST_FOR_NOT_ALLOWED_ERROR,
    WAITLIST_OFFER_GONE_ERROR,
    WAITLIST_OWNER_INACTIVE_ERROR,
    waitlist_join,
    waitlist_leave,
    waitlist_take,
)
from .waitlist_offers import offer_place, waitlist_offers_expire
from .walk_in import (
    WALK_IN_BAND_ERROR,
    WALK_IN_EMAIL_TAKEN_ERROR,
    WALK_IN_EMAIL_UNCONFIRMED_ERROR,
    WALK_IN_PET_BUSY_ERROR,
    WALK_IN_WHO_ERROR,
    walk_in_register,
)

__all__ = [
    "BOOK_FOR_NOT_ALLOWED_ERROR",
    "CANCEL_REASON_REQUIRED_ERROR",
    "ILLEGAL_TRANSITION_ERROR",
    "NOTE_TOO_LONG_ERROR",
    "NO_SHOW_TOO_EARLY_ERROR",
    "NOT_ALLOWED_ERROR",
    "NOT_EDITABLE_ERROR",
    "PET_HAS_ONGOING_VISIT_ERROR",
    "PET_NOT_BOOKABLE_ERROR",
    "QUEUE_MIXED_ERROR",
    "QUEUE_NOT_ONGOING_ERROR",
    "QUEUE_REORDER_REASON",
    "QUEUE_REPEATED_ERROR",
    "QUEUE_UNKNOWN_ERROR",
    "SLOT_TAKEN_ERROR",
    "SLOT_UNAVAILABLE_ERROR",
    "VISIT_CHANGED_ERROR",
    "VISIT_TYPE_INACTIVE_ERROR",
    "VISIT_TYPE_NOT_ONLINE_ERROR",
    "WAITLIST_ALREADY_ERROR",
    "SLOT_LENGTH_IN_USE_ERROR",
    "WAITLIST_DAYS_ERROR",
    "WAITLIST_FOR_NOT_ALLOWED_ERROR",
    "WAITLIST_OFFER_GONE_ERROR",
    "WAITLIST_OWNER_INACTIVE_ERROR",
    "WALK_IN_BAND_ERROR",
    "WALK_IN_EMAIL_TAKEN_ERROR",
    "WALK_IN_EMAIL_UNCONFIRMED_ERROR",
    "WALK_IN_PET_BUSY_ERROR",
    "WALK_IN_WHO_ERROR",
    "clinic_settings_update",
    "max_wait_update",
    "may_move",
    "no_shows_mark_missed",
    "opening_hours_update",
    "overdue_visits_alert",
    "queue_reorder",
    "reservation_advance",
    "reservation_create",
    "reservation_transition",
    "reservation_triage",
    "reservation_update",
    "reservation_version",
    "slot_length_check",
    "offer_place",
    "waitlist_join",
    "waitlist_leave",
    "waitlist_offers_expire",
    "waitlist_take",
    "walk_in_register",
]
