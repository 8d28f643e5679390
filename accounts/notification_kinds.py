"""How each kind of notification reads, registered by the app that sends it.

accounts stores, lists and pushes notifications but words none of them: a
visit's state is reservations' vocabulary, a reply is consultation's. Each of
those apps registers its kinds in its AppConfig.ready(), through
accounts.notifications.notification_kind_register, so that accounts imports no
higher app. This module imports no model, so that accounts.models can use it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext

# A kind's text from the notification's params, in the active language.
Text = Callable[[dict], str]
# What the live push carries besides the text (ids only, never text).
Payload = Callable[[dict], dict]


# The Bootstrap icon a list shows beside notifications of a kind.
DEFAULT_ICON = "bi-bell"


@dataclass(frozen=True)
class Wording:
    text: Text
    payload: Payload | None = None
    icon: str = DEFAULT_ICON


_wordings: dict[str, Wording] = {}


def notification_kind_register(
    kind: str, *, text: Text, payload: Payload | None = None, icon: str = DEFAULT_ICON
) -> None:
    """Say how notifications of `kind` read, what their push carries and which
    icon lists show beside them."""
    _wordings[kind] = Wording(text=text, payload=payload, icon=icon)


def notification_text(notification) -> str:
    """The notification in the active language (a kind no app registers any
    more reads as a plain "new notification")."""
    wording = _wordings.get(notification.kind)
    if wording is None:
        return gettext("You have a new notification.")
    return wording.text(notification.params)


def notification_payload(notification) -> dict:
    """What the kind adds to the notification's live push."""
    wording = _wordings.get(notification.kind)
    if wording is None or wording.payload is None:
        return {}
    return wording.payload(notification.params)


def notification_icon(notification) -> str:
    wording = _wordings.get(notification.kind)
    return DEFAULT_ICON if wording is None else wording.icon
