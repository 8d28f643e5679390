"""The owner's visits in the API: the booking page's form and services, the
visit page's state, band, place and wait; others' visits answer 404."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Notification
from accounts.tests.api import call
from pets.tests.factories import PetFactory
from reservations.models import (
    ClinicSettings,
    OpeningHours,
    Reservation,
    State,
    Triage,
    VisitType,
)
from reservations.services import (
    CANCEL_REASON_REQUIRED_ERROR,
    NOT_EDITABLE_ERROR,
    PET_HAS_ONGOING_VISIT_ERROR,
    PET_NOT_BOOKABLE_ERROR,
    SLOT_TAKEN_ERROR,
    VISIT_CHANGED_ERROR,
    reservation_transition,
    reservation_triage,
)
from reservations.tests.factories import (
    book,
    make_front_desk,
    make_visit,
    today_at,
    tomorrow_at,
)

pytestmark = pytest.mark.django_db

VISITS = "/api/v1/visits/"


@pytest.fixture
def pet(customer):
    return PetFactory(owner=customer, name="Mochi")


def url(visit, action=""):
    return f"{VISITS}{visit.pk}/{action + '/' if action else ''}"


def booking(pet, at=None, **fields):
    return {
        "pet": pet.pk,
        "starts_at": (at or tomorrow_at(10)).isoformat(),
        "symptoms": "Not eating since yesterday.",
        **fields,
    }


# --- booking -----------------------------------------------------------------------


def test_owner_books_a_visit(client, token, pet):
    response = call(client, "post", VISITS, token, booking(pet))

    assert response.status_code == 201
    visit = Reservation.objects.get(pet=pet)
    assert visit.slot.starts_at == tomorrow_at(10)
    body = response.json()
    assert (body["id"], body["state"], body["pet_name"]) == (
        visit.pk,
        "requested",
        "Mochi",
    )
    assert body["queue"] == {"place": 1, "ahead": 0, "wait_minutes": 0}
    assert body["can_cancel"] is True


def test_a_red_flag_answer_is_told_to_come_now(client, token, pet):
    response = call(client, "post", VISITS, token, booking(pet, breathing_trouble=True))

    assert response.status_code == 201
    assert response.json()["come_in_now"] is True
    assert response.json()["queue"] is None
    assert Reservation.objects.get(pet=pet).breathing_trouble is True


def test_bad_booking_names_every_field_and_books_nothing(client, token, other_customer):
    theirs = PetFactory(owner=other_customer)

    response = call(
        client, "post", VISITS, token, {"pet": theirs.pk, "starts_at": "soon"}
    )

    assert response.status_code == 400
    fields = response.json()["fields"]
    assert set(fields) == {"pet", "starts_at", "symptoms"}
    assert fields["pet"] == [str(PET_NOT_BOOKABLE_ERROR)]
    assert not Reservation.objects.exists()


def test_a_taken_time_is_an_error_on_the_time(client, token, pet, other_customer):
    ClinicSettings.objects.update_or_create(pk=1, defaults={"doctors_on_duty": 1})
    book(PetFactory(owner=other_customer), starts_at=tomorrow_at(10))

    response = call(client, "post", VISITS, token, booking(pet))

    assert response.status_code == 400
    assert response.json()["fields"] == {"starts_at": [str(SLOT_TAKEN_ERROR)]}
    assert not Reservation.objects.filter(pet=pet).exists()


def test_a_pet_with_a_visit_in_progress_is_refused(client, token, pet):
    book(pet, starts_at=tomorrow_at(11))

    response = call(client, "post", VISITS, token, booking(pet))

    assert response.status_code == 400
    assert response.json()["message"] == str(PET_HAS_ONGOING_VISIT_ERROR)
    assert Reservation.objects.filter(pet=pet).count() == 1


def test_the_year_9999_is_an_error_not_a_crash(client, token, pet):
    at = "9999-12-31T23:59:59+00:00"
    response = call(client, "post", VISITS, token, {**booking(pet), "starts_at": at})

    assert response.status_code == 400
    assert "starts_at" in response.json()["fields"]


# --- reading -----------------------------------------------------------------------


def test_list_shows_the_owners_visits_with_their_places(
    client, token, pet, other_customer
):
    book(PetFactory(owner=other_customer))
    mine = book(pet)
    old = make_visit(
        PetFactory(owner=pet.owner), state=State.FINISHED, starts_at=tomorrow_at(9)
    )

    body = call(client, "get", VISITS, token).json()

    assert [visit["id"] for visit in body["results"]] == [old.pk, mine.pk]
    assert body["results"][1]["queue"]["place"] == 2
    assert body["results"][0]["queue"] is None  # finished: no place


def test_list_costs_the_same_queries_for_1_and_50_visits(client, customer, token):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert call(client, "get", VISITS, token).status_code == 200
        return len(captured)

    make_visit(PetFactory(owner=customer))
    one = queries()
    for _n in range(49):
        make_visit(PetFactory(owner=customer))
    assert queries() == one


def test_detail_shows_band_wait_and_events_and_reads_its_notifications(
    client, token, pet, doctor
):
    visit = book(pet, starts_at=tomorrow_at(11))
    reservation_triage(reservation=visit, triage=Triage.STANDARD, by=doctor)
    assert Notification.objects.filter(recipient=pet.owner).unread().exists()

    body = call(client, "get", url(visit), token).json()

    assert (body["triage"], body["triage_label"]) == ("standard", "Standard")
    assert body["band_wait"]["band"] == "Standard"
    assert body["band_wait"]["typical_minutes"] is None
    assert [event["kind"] for event in body["events"]] == ["created", "triage"]
    assert not Notification.objects.filter(recipient=pet.owner).unread().exists()


def test_another_customers_visit_is_404_for_every_action(client, token, other_customer):
    theirs = book(PetFactory(owner=other_customer))

    assert call(client, "get", url(theirs), token).status_code == 404
    assert (
        call(client, "patch", url(theirs), token, {"symptoms": "x"}).status_code == 404
    )
    cancelled = call(client, "post", url(theirs, "cancel"), token, {"reason": "x"})
    assert cancelled.status_code == 404
    assert call(client, "post", url(theirs, "pickup"), token, {}).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.state, theirs.symptoms) == (State.REQUESTED, "Limping since Monday.")


# --- changing ----------------------------------------------------------------------


def test_owner_changes_the_symptoms_and_time(client, token, pet):
    visit = book(pet)

    response = call(
        client,
        "patch",
        url(visit),
        token,
        {"symptoms": "Worse today.", "starts_at": tomorrow_at(14).isoformat()},
    )

    assert response.status_code == 200
    visit.refresh_from_db()
    assert (visit.symptoms, visit.slot.starts_at) == ("Worse today.", tomorrow_at(14))
    assert visit.breathing_trouble is False


def test_a_change_on_a_stale_version_is_refused(client, token, pet, doctor):
    visit = book(pet)
    seen = call(client, "get", url(visit), token).json()["version"]
    reservation_transition(reservation=visit, to_state=State.CONFIRMED, by=doctor)

    response = call(
        client, "patch", url(visit), token, {"symptoms": "Worse.", "version": seen}
    )

    assert response.status_code == 400
    assert response.json()["message"] == str(VISIT_CHANGED_ERROR) % {
        "state": "Confirmed"
    }
    visit.refresh_from_db()
    assert visit.symptoms == "Limping since Monday."


def test_a_visit_at_the_hospital_cannot_be_changed(client, token, pet):
    visit = make_visit(pet, state=State.CHECKED_IN)

    response = call(client, "patch", url(visit), token, {"symptoms": "Worse."})

    assert response.status_code == 400
    assert response.json()["message"] == str(NOT_EDITABLE_ERROR)


def test_cancel_needs_a_reason(client, token, pet):
    visit = book(pet)

    response = call(client, "post", url(visit, "cancel"), token, {"reason": " "})

    assert response.status_code == 400
    assert response.json()["fields"] == {"reason": [str(CANCEL_REASON_REQUIRED_ERROR)]}
    visit.refresh_from_db()
    assert visit.state == State.REQUESTED


def test_owner_cancels_with_a_reason(client, token, pet):
    visit = book(pet)

    response = call(
        client, "post", url(visit, "cancel"), token, {"reason": "Feeling better"}
    )

    assert response.status_code == 200
    assert response.json()["state"] == "cancelled"
    visit.refresh_from_db()
    assert (visit.state, visit.cancel_reason) == (State.CANCELLED, "Feeling better")


def test_pickup_only_when_ready(client, token, pet):
    visit = make_visit(pet, state=State.IN_TREATMENT)

    early = call(client, "post", url(visit, "pickup"), token, {})

    assert early.status_code == 400
    assert early.json()["message"] == "Your pet is not ready to be collected yet."
    Reservation.objects.filter(pk=visit.pk).update(state=State.READY_FOR_RELEASE)
    done = call(client, "post", url(visit, "pickup"), token, {})
    assert done.status_code == 200
    assert done.json()["state"] == "finished"


# --- free slots --------------------------------------------------------------------


def test_free_slots_of_a_day(client, token, pet):
    day = tomorrow_at(10).date()
    ClinicSettings.objects.update_or_create(pk=1, defaults={"doctors_on_duty": 1})
    book(pet, starts_at=tomorrow_at(10))

    body = call(client, "get", f"/api/v1/slots/?date={day}", token).json()

    starts = [datetime.datetime.fromisoformat(s["starts_at"]) for s in body["slots"]]
    assert body["date"] == day.isoformat()
    assert tomorrow_at(9) in starts
    assert tomorrow_at(10) not in starts
    assert all(start > timezone.now() for start in starts)


def test_a_bad_day_is_a_field_error(client, token):
    response = call(client, "get", "/api/v1/slots/?date=tomorrow", token)

    assert response.status_code == 400
    assert response.json()["fields"] == {"date": ["Give a date as YYYY-MM-DD."]}


# --- visit types -------------------------------------------------------------------


def test_the_types_owners_may_book(client, token):
    VisitType.objects.create(name="Desk only", slot_units=1, online=False)
    long = VisitType.objects.create(name="Long check", slot_units=3, online=True)

    body = call(client, "get", "/api/v1/visit-types/", token).json()

    assert {"id": long.pk, "name": "Long check", "minutes": 90} in body
    assert "Desk only" not in [visit_type["name"] for visit_type in body]


def test_a_booking_of_a_long_type_takes_its_slots(client, token, pet):
    long = VisitType.objects.create(name="Long check", slot_units=3, online=True)

    response = call(client, "post", VISITS, token, booking(pet, visit_type=long.pk))

    assert response.status_code == 201
    body = response.json()
    assert (body["visit_type"], body["visit_type_name"]) == (long.pk, "Long check")
    assert body["slots_taken"] == 3
    assert Reservation.objects.get(pet=pet).visit_type == long


def test_a_type_only_the_desk_books_is_refused(client, token, pet):
    desk = VisitType.objects.create(name="Surgery", slot_units=1, online=False)

    response = call(client, "post", VISITS, token, booking(pet, visit_type=desk.pk))

    assert response.status_code == 400
    assert "visit_type" in response.json()["fields"]
    assert not Reservation.objects.exists()


def test_free_slots_for_a_long_type_leave_out_starts_near_closing(client, token):
    long = VisitType.objects.create(name="Long check", slot_units=3, online=True)
    day = tomorrow_at(10).date()

    body = call(
        client, "get", f"/api/v1/slots/?date={day}&visit_type={long.pk}", token
    ).json()

    starts = [datetime.datetime.fromisoformat(s["starts_at"]) for s in body["slots"]]
    assert body["minutes"] == 90
    assert starts
    assert max(starts) + datetime.timedelta(minutes=90) <= _closing(day)


@pytest.mark.parametrize("value", ["x", "999999", "desk"])
def test_a_bad_type_for_free_slots_is_a_field_error(client, token, value):
    desk = VisitType.objects.create(name="Surgery", slot_units=1, online=False)
    value = str(desk.pk) if value == "desk" else value

    response = call(client, "get", f"/api/v1/slots/?visit_type={value}", token)

    assert response.status_code == 400
    assert response.json()["fields"] == {"visit_type": ["Choose a type of visit."]}


def _closing(day):
    hours = OpeningHours.objects.get(weekday=day.weekday())
    return datetime.datetime.combine(
        day, hours.closes, tzinfo=timezone.get_current_timezone()
    )


@pytest.mark.parametrize("body", ["null", "[]", '"text"', "3"])
def test_a_body_that_is_no_object_is_a_clear_error(client, token, pet, body):
    visit = book(pet)
    for method, target in [
        ("post", VISITS),
        ("patch", url(visit)),
        ("post", url(visit, "cancel")),
        ("post", url(visit, "pickup")),
    ]:
        response = getattr(client, method)(
            target, body, content_type="application/json", HTTP_X_SESSION_TOKEN=token
        )

        assert response.status_code == 400, (method, target, response.content)
        assert response.json()["code"] == "invalid"
    visit.refresh_from_db()
    assert visit.state == State.REQUESTED
    assert Reservation.objects.count() == 1


def test_the_front_desks_check_in_note_is_not_shown_to_the_owner(
    client, token, pet, time_machine
):
    time_machine.move_to(today_at(11), tick=False)
    visit = make_visit(pet, state=State.CONFIRMED, starts_at=today_at(10))
    reservation_transition(
        reservation=visit,
        to_state=State.CHECKED_IN,
        by=make_front_desk(username="reception"),
        note="Owner seemed upset about the bill",
    )

    response = call(client, "get", url(visit), token)

    assert response.status_code == 200
    [check_in] = [e for e in response.json()["events"] if e["to_value"] == "checked_in"]
    assert check_in["note"] == ""
    assert "upset about the bill" not in response.content.decode()
