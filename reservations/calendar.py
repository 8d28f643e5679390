"""Calendar files of a visit (issue 16): the .ics an owner puts in their
calendar, from the booking e-mails and the visit page.

One UID per visit, so that a calendar updates the entry it has: a new time
comes as the same UID with a higher SEQUENCE, a cancellation as METHOD:CANCEL.
The e-mails' files are invitations (METHOD:REQUEST, the hospital organising,
the owner attending: what mail clients offer to add to the calendar, and
what lets a CANCEL remove it); the visit page's download is a plain
published entry (PUBLISH).
Times are in the hospital's time zone (TIME_ZONE), with its VTIMEZONE, so the
entry stays right when the owner's device is elsewhere. Built with icalendar
(requirements.txt), which writes the time zone's rules from zoneinfo.
"""

from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from icalendar import Calendar, Event, vCalAddress

from .models import ClinicSettings, Reservation, ReservationEvent
from .slots import visit_end
from .states import State

PUBLISH, REQUEST, CANCEL = "PUBLISH", "REQUEST", "CANCEL"
CALENDAR_MIMETYPE = "text/calendar"
FILENAME = "healing-paws-visit.ics"
# The e-mails' attachment.
EMAIL_FILENAME = "visit.ics"


def email_attachment_mimetype(method: str) -> str:
    """The attachment's Content-Type: calendar clients look for the method
    there (RFC 6047) before they read the file."""
    return f"{CALENDAR_MIMETYPE}; method={method}"


def visit_uid(reservation: Reservation) -> str:
    return f"visit-{reservation.pk}@{urlsplit(settings.SITE_URL).hostname}"


def visit_calendar(
    reservation: Reservation, *, method: str = PUBLISH, sequence: int = 0
) -> str:
    """The visit as an iCalendar file, in the active language."""
    zone = timezone.get_current_timezone()
    starts_at = timezone.localtime(reservation.slot.starts_at, zone)
    # A visit of several slots lasts them all, as long as they were when it
    # was booked (the slot length may have changed since).
    ends_at = reservation.ends_at
    if ends_at is None:  # a walk-in: the slots of today's length
        ends_at = visit_end(
            reservation.slot.starts_at,
            reservation.places,
            rules=ClinicSettings.current(),
        )
    url = settings.SITE_URL + reservation.get_absolute_url()
    cancelled = method == CANCEL or reservation.state == State.CANCELLED

    event = Event()
    event.add("uid", visit_uid(reservation))
    event.add("sequence", sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", starts_at)
    event.add("dtend", timezone.localtime(ends_at, zone))
    event.add(
        "summary",
        gettext("Visit for %(pet)s at Healing Paws") % {"pet": reservation.pet.name},
    )
    event.add(
        "description",
        gettext("See the visit and its place in the queue: %(url)s") % {"url": url},
    )
    event.add("url", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if method in (REQUEST, CANCEL):
        _add_people(event, reservation)

    calendar = Calendar()
    calendar.add("prodid", "-//Healing Paws//Visits//EN")
    calendar.add("version", "2.0")
    calendar.add("method", CANCEL if cancelled else method)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical().decode()


def _add_people(event: Event, reservation: Reservation) -> None:
    """An invitation names its organiser and attendee (RFC 5546): the
    hospital's sending address, and the owner, who needs not answer."""
    organizer = vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    organizer.params["CN"] = gettext("Healing Paws")
    event.add("organizer", organizer)
    owner = reservation.pet.owner
    attendee = vCalAddress(f"mailto:{owner.email}")
    attendee.params["CN"] = owner.name
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    attendee.params["PARTSTAT"] = "ACCEPTED"
    attendee.params["RSVP"] = "FALSE"
    event.add("attendee", attendee)


def calendar_method_for(event: ReservationEvent) -> str | None:
    """Which calendar file the e-mail of a change carries, if any: the
    booking, its confirmation and a change of it invite to the visit (an
    update of the same UID), a cancellation cancels it. Walk-ins are already
    at the hospital: no calendar."""
    visit = event.reservation
    if visit.walk_in:
        return None
    Kind = ReservationEvent.Kind
    if event.kind in (Kind.CREATED, Kind.EDITED):
        return REQUEST
    if event.kind == Kind.STATE and event.to_value == State.CONFIRMED:
        return REQUEST
    if event.kind == Kind.STATE and event.to_value == State.CANCELLED:
        return CANCEL
    return None


def sequence_of(event: ReservationEvent) -> int:
    """The calendar's SEQUENCE at this change: how many changes the visit
    had before it, so each later file supersedes the earlier ones."""
    return ReservationEvent.objects.filter(
        reservation_id=event.reservation_id, pk__lt=event.pk
    ).count()
