"""Telling owners about their visits: a notification (stored with the change,
pushed live) and an e-mail (a task of the change's transaction, sent by the
worker), each in the owner's language.

accounts stores, lists and pushes notifications but words none of them: how
the visit kinds read is registered here (register(), from
ReservationsConfig.ready).
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext

from accounts.notifications import notification_kind_register, notification_send
from accounts.unclaimed import may_email
from core.background import retrying_task

from .calendar import (
    EMAIL_FILENAME,
    calendar_method_for,
    email_attachment_mimetype,
    sequence_of,
    visit_calendar,
)
from .models import Reservation, ReservationEvent, State, Triage, choice_label

# The kinds of notification reservations sends (accounts/notification_kinds.py).
VISIT_STATE = "visit_state"
VISIT_TRIAGE = "visit_triage"
# A place freed for a pet on the waitlist (services/waitlist_offers.py).
WAITLIST_OFFER = "waitlist_offer"
NOTIFICATION_KINDS = {
    ReservationEvent.Kind.STATE: VISIT_STATE,
    ReservationEvent.Kind.TRIAGE: VISIT_TRIAGE,
}

logger = logging.getLogger("healingpaws.reservations")


def visit_email_send(
    *,
    reservation: Reservation,
    template: str,
    calendar_method: str | None = None,
    calendar_sequence: int = 0,
    **context,
) -> bool:
    """Render `reservations/email/<template>_subject.txt` and `_message.txt`
    for the visit's owner, in their language, and hand it to the e-mail queue
    (EMAIL_BACKEND). Raises when it cannot be queued, so callers decide what
    a failure means. False, and nothing sent, when the owner's address may
    not hear of their pets (none, or an unclaimed walk-in account's:
    accounts/unclaimed.py).

    With `calendar_method` the e-mail carries the visit's calendar file
    (reservations.calendar) as the attachment visit.ics, its method in its
    Content-Type as calendar clients expect (the e-mail queue stores it with
    the message, core/mail.py).
    """
    owner = reservation.pet.owner
    if not may_email(owner):
        return False
    with translation.override(owner.preferred_language):
        calendar = (
            visit_calendar(
                reservation, method=calendar_method, sequence=calendar_sequence
            )
            if calendar_method
            else None
        )
        context = {
            "reservation": reservation,
            "pet": reservation.pet,
            "owner": owner,
            "visit_url": settings.SITE_URL + reservation.get_absolute_url(),
            "book_url": settings.SITE_URL
            + reverse("reservations:new")
            + f"?pet={reservation.pet_id}",
            **context,
        }
        subject = render_to_string(
            f"reservations/email/{template}_subject.txt", context
        )
        subject = f"[{gettext('Healing Paws')}] {' '.join(subject.split())}"
        body = render_to_string(f"reservations/email/{template}_message.txt", context)
    message = EmailMultiAlternatives(subject, body, to=[owner.email])
    if calendar is not None:
        message.attach(
            EMAIL_FILENAME, calendar, email_attachment_mimetype(calendar_method)
        )
    message.send()
    return True


def owner_notify(event: ReservationEvent) -> None:
    """Tell the owner what happened to their visit.

    A state change or a triage by somebody else is also a notification, saved
    in the change's transaction. So is the e-mail's task: it exists once the
    change is committed, never when it is rolled back, and whoever made the
    change never waits for the mail server nor hears of its refusals (the
    worker retries them).
    """
    visit = event.reservation
    owner = visit.pet.owner
    kind = NOTIFICATION_KINDS.get(event.kind)
    if kind and event.actor_id != owner.pk:
        notification_send(
            recipient=owner,
            kind=kind,
            url=visit.get_absolute_url(),
            pet=visit.pet.name,
            reservation=visit.pk,
            to=event.to_value,
        )
    if may_email(owner):  # not a walk-in's unclaimed or missing address
        visit_change_email.enqueue(event.pk)


@retrying_task()
def visit_change_email(event_id: int) -> None:
    """The worker's half of owner_notify: render the e-mail of one change in
    the owner's language (as it is now) and hand it to the e-mail queue
    (core.mail), which sends it and retries a refusing server."""
    event = (
        ReservationEvent.objects.select_related(
            "reservation__pet__owner", "reservation__slot", "actor"
        )
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        # Its visit was deleted since (with its pet or owner): nobody to tell.
        logger.info("visit e-mail for event %s not sent: the visit is gone", event_id)
        return
    visit_email_send(
        reservation=event.reservation,
        template="visit_changed",
        event=event,
        calendar_method=calendar_method_for(event),
        calendar_sequence=sequence_of(event),
    )


# --- how they read ----------------------------------------------------------


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


def waitlist_offer_text(params: dict) -> str:
    starts = parse_datetime(str(params.get("starts") or ""))
    when = (
        date_format(timezone.localtime(starts), "SHORT_DATETIME_FORMAT")
        if starts
        else ""
    )
    return gettext(
        "A place has freed up for %(pet)s on %(time)s: it is held for you "
        "for 30 minutes."
    ) % {"pet": params.get("pet", ""), "time": when}


VISIT_ICON = "bi-clipboard2-pulse"


def register() -> None:
    notification_kind_register(
        VISIT_STATE,
        text=visit_state_text,
        payload=visit_of,
        icon=VISIT_ICON,
    )
    notification_kind_register(
        VISIT_TRIAGE,
        text=visit_triage_text,
        payload=visit_of,
        icon=VISIT_ICON,
    )
    notification_kind_register(
        WAITLIST_OFFER, text=waitlist_offer_text, icon="bi-calendar2-plus"
    )
