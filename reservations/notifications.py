"""How the visit notifications read (accounts sends and lists them, and words
none: ReservationsConfig.ready registers these)."""

from django.utils.translation import gettext

from accounts.models import Notification
from accounts.notifications import notification_kind_register

from .models import State, Triage, choice_label


def visit_state_text(params: dict) -> str:
    return gettext("%(pet)s's visit: %(state)s") % {
        "pet": params.get("pet", ""),
        "state": choice_label(State, params.get("to")),
    }


def visit_triage_text(params: dict) -> str:
    return gettext("%(pet)s's visit has been triaged: %(band)s") % {
        "pet": params.get("pet", ""),
        "band": choice_label(Triage, params.get("to")),
    }


def visit_of(params: dict) -> dict:
    # Lets an open visit page know that it is the one that changed.
    visit = params.get("reservation")
    return {"reservation": visit} if visit else {}


VISIT_ICON = "bi-clipboard2-pulse"


def register() -> None:
    notification_kind_register(
        Notification.Kind.VISIT_STATE,
        text=visit_state_text,
        payload=visit_of,
        icon=VISIT_ICON,
    )
    notification_kind_register(
        Notification.Kind.VISIT_TRIAGE,
        text=visit_triage_text,
        payload=visit_of,
        icon=VISIT_ICON,
    )
