"""E-mails to owners about their visits, each in the owner's own language."""

import logging
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from .models import Reservation, ReservationEvent

logger = logging.getLogger("healingpaws.reservations")


def visit_email_send(*, reservation: Reservation, template: str, **context) -> None:
    """Render `reservations/email/<template>_subject.txt` and `_message.txt`
    for the visit's owner, in their language, and send it. Raises when the
    mail server refuses, so callers decide what a failure means."""
    owner = reservation.pet.owner
    with translation.override(owner.preferred_language):
        context = {
            "reservation": reservation,
            "pet": reservation.pet,
            "owner": owner,
            "visit_url": settings.SITE_URL + reservation.get_absolute_url(),
            **context,
        }
        subject = render_to_string(
            f"reservations/email/{template}_subject.txt", context
        )
        subject = f"[{gettext('Healing Paws')}] {' '.join(subject.split())}"
        body = render_to_string(f"reservations/email/{template}_message.txt", context)
    EmailMessage(subject, body, to=[owner.email]).send()


def owner_notify_on_commit(event: ReservationEvent) -> None:
    """After the change is committed, tell the owner what happened.

    The change stands whether or not the mail goes out: a refused send is
    logged, never turned into an error for whoever made the change.
    """
    transaction.on_commit(partial(_send_change, event.reservation_id, event.pk))


def _send_change(reservation_id, event_id):
    try:
        event = ReservationEvent.objects.select_related(
            "reservation__pet__owner", "reservation__slot", "actor"
        ).get(pk=event_id, reservation_id=reservation_id)
        visit_email_send(
            reservation=event.reservation, template="visit_changed", event=event
        )
    except Exception:
        logger.exception("visit e-mail for event %s not sent", event_id)
