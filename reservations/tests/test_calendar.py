"""Calendar files of a visit (issue 16): parsed with icalendar, as a calendar
application would read them."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from core.background import run_ready_tasks
from pets.tests.factories import PetFactory
from reservations import services
from reservations.calendar import visit_uid
from reservations.models import State, Triage
from reservations.tests.factories import book, make_front_desk, tomorrow_at

pytestmark = pytest.mark.django_db

HOSPITAL = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def visit(customer):
    return book(PetFactory(owner=customer, name="Rex"), starts_at=tomorrow_at(10))


def sent_calendars():
    """(method in the attachment's Content-Type, parsed calendar) of each
    e-mail sent, as a mail client reads the message, or None for an e-mail
    without one; the outbox emptied."""
    run_ready_tasks()
    found = []
    for message in mail.outbox:
        parts = [
            part
            for part in message.message().walk()
            if part.get_content_type() == "text/calendar"
        ]
        if not parts:
            found.append(None)
            continue
        (part,) = parts
        assert part.get_content_disposition() == "attachment"
        assert part.get_filename() == "visit.ics"
        found.append(
            (
                part.get_param("method"),
                Calendar.from_ical(part.get_payload(decode=True)),
            )
        )
    mail.outbox.clear()
    return found


def the_event(calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def test_the_booking_e_mail_carries_the_visit_in_the_hospitals_time_zone(visit):
    ((method, calendar),) = sent_calendars()

    event = the_event(calendar)
    assert method == "REQUEST"
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == visit_uid(visit)
    assert event["SEQUENCE"] == 0
    start = event.decoded("DTSTART")
    assert start == tomorrow_at(10)
    assert start.tzinfo.key == "Asia/Shanghai"
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event.decoded("DTEND") - start == datetime.timedelta(minutes=30)
    (zone,) = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "Asia/Shanghai"
    assert "Rex" in str(event["SUMMARY"])
    assert visit.get_absolute_url() in str(event["URL"])
    # An invitation: from the hospital, to the owner, who need not answer.
    assert str(event["ORGANIZER"]) == "mailto:no-reply@healingpaws.example"
    assert str(event["ATTENDEE"]) == f"mailto:{visit.pet.owner.email}"
    assert event["ATTENDEE"].params["RSVP"] == "FALSE"


def test_the_attachment_is_the_e_mails_only_calendar_part_after_its_text(visit):
    run_ready_tasks()

    (message,) = mail.outbox
    assert message.body.strip()
    assert message.alternatives == []
    ((filename, content, mimetype),) = message.attachments
    assert (filename, mimetype) == ("visit.ics", "text/calendar; method=REQUEST")
    assert "BEGIN:VCALENDAR" in content


def test_the_confirmation_sends_it_again_and_a_triage_does_not(visit, doctor):
    sent_calendars()

    services.reservation_triage(reservation=visit, triage=Triage.STANDARD, by=doctor)
    services.reservation_transition(
        reservation=visit, to_state=State.CONFIRMED, by=doctor
    )

    triaged, confirmed = sent_calendars()
    assert triaged is None
    assert the_event(confirmed[1])["SEQUENCE"] == 2


def test_a_new_time_sends_an_update_with_the_same_uid(visit, customer):
    sent_calendars()

    services.reservation_update(
        reservation=visit,
        by=customer,
        starts_at=tomorrow_at(15),
        symptoms=visit.symptoms,
        breathing_trouble=False,
        heavy_bleeding=False,
        collapse_or_seizure=False,
    )

    ((method, calendar),) = sent_calendars()
    event = the_event(calendar)
    assert method == calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == visit_uid(visit)
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == tomorrow_at(15)


def test_cancelling_sends_a_cancel_of_the_same_uid(visit, customer):
    sent_calendars()

    services.reservation_transition(
        reservation=visit, to_state=State.CANCELLED, by=customer, note="Better."
    )

    ((method, calendar),) = sent_calendars()
    event = the_event(calendar)
    assert method == calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert str(event["UID"]) == visit_uid(visit)
    assert event["SEQUENCE"] == 1


def test_a_walk_in_gets_no_calendar(customer):
    services.walk_in_register(
        by=make_front_desk(),
        pet=PetFactory(owner=customer),
        reason="Cut paw.",
        triage=Triage.STANDARD,
    )

    assert sent_calendars() == [None]


def test_the_owner_downloads_the_file_and_another_customer_gets_404(
    client, visit, customer, other_customer
):
    url = reverse("reservations:calendar", args=[visit.pk])

    client.force_login(customer)
    page = client.get(visit.get_absolute_url()).content.decode()
    response = client.get(url)
    client.force_login(other_customer)
    theirs = client.get(url)
    client.logout()
    anonymous = client.get(url)

    assert url in page
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert 'filename="healing-paws-visit.ics"' in response["Content-Disposition"]
    calendar = Calendar.from_ical(response.content)
    event = the_event(calendar)
    assert calendar["METHOD"] == "PUBLISH"  # a file to import, no invitation
    assert "ATTENDEE" not in event
    assert str(event["UID"]) == visit_uid(visit)
    assert event.decoded("DTSTART").astimezone(HOSPITAL) == tomorrow_at(10)
    assert theirs.status_code == 404
    assert anonymous.status_code == 302
