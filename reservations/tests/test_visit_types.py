"""Visit types (issue 16): a visit of n slots takes a place in n consecutive
slots, is offered only where all of them have room, gives them all back, and
owners book only the types open online. Races: test_visit_types_race.py."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from core.background import run_ready_tasks
from pets.tests.factories import PetFactory
from reservations import services
from reservations.flow import flow_report
from reservations.models import (
    ClinicSettings,
    Reservation,
    Slot,
    State,
    VisitType,
    WaitlistEntry,
)
from reservations.personal_data import export
from reservations.slots import free_slots, slot_times
from reservations.tests.factories import book, make_front_desk, make_visit, tomorrow_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _one_doctor():
    # 30-minute slots (the default) with one place each: every visit fills one.
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1, slot_minutes=30)


def a_type(name, units, *, online=True, **fields):
    return VisitType.objects.create(
        name=name, slot_units=units, online=online, position=100, **fields
    )


def booked_counts(*times):
    rows = {slot.starts_at: slot.booked for slot in Slot.objects.all()}
    return [rows.get(start, 0) for start in times]


def tomorrow():
    return tomorrow_at(10).date()


def test_the_migration_seeds_the_usual_types_in_whole_slots():
    lengths = dict(VisitType.objects.values_list("name", "slot_units"))
    # 15 minutes take a whole 30-minute slot; 45 and 60 minutes take two.
    assert lengths == {
        "Consultation": 1,
        "Check-up": 1,
        "Vaccination": 1,
        "Surgery consultation": 2,
        "Dental": 2,
    }
    assert VisitType.default().name == "Consultation"
    assert not VisitType.objects.get(name="Dental").online


def test_a_three_slot_visit_needs_three_consecutive_free_places(customer):
    long = a_type("Long surgery consultation", 3)
    book(PetFactory(owner=customer), starts_at=tomorrow_at(10, 30))  # the middle

    for start in (tomorrow_at(10), tomorrow_at(9, 30), tomorrow_at(10, 30)):
        with pytest.raises(ValidationError) as refused:
            book(PetFactory(owner=customer), starts_at=start, visit_type=long)
        assert refused.value.code == "slot_taken"
    starts = [slot.starts_at for slot in free_slots(tomorrow(), units=3)]
    # 9:30 and 10:00 would cover 10:30; 9:00 ends at 10:30, 11:00 starts after.
    assert tomorrow_at(9, 30) not in starts
    assert tomorrow_at(10) not in starts
    assert tomorrow_at(9) in starts
    assert tomorrow_at(11) in starts

    visit = book(PetFactory(owner=customer), starts_at=tomorrow_at(11), visit_type=long)

    assert (visit.places, visit.visit_type) == (3, long)
    assert booked_counts(
        tomorrow_at(10, 30), tomorrow_at(11), tomorrow_at(11, 30), tomorrow_at(12)
    ) == [1, 1, 1, 1]
    assert booked_counts(tomorrow_at(12, 30)) == [0]
    # Nothing was counted by the refused bookings.
    assert booked_counts(tomorrow_at(9, 30), tomorrow_at(10)) == [0, 0]


def test_the_last_place_of_a_day_cannot_hold_a_two_slot_visit(customer):
    last = slot_times(tomorrow())[-1]
    two = a_type("Two slots", 2)

    with pytest.raises(ValidationError) as refused:
        book(PetFactory(owner=customer), starts_at=last, visit_type=two)

    assert refused.value.code == "slot_unavailable"
    assert last not in [slot.starts_at for slot in free_slots(tomorrow(), units=2)]
    assert last in [slot.starts_at for slot in free_slots(tomorrow(), units=1)]
    assert not Slot.objects.filter(booked__gt=0).exists()


def test_cancelling_and_no_show_give_back_every_slot(customer, doctor, time_machine):
    two = a_type("Two slots", 2)
    visit = book(PetFactory(owner=customer), starts_at=tomorrow_at(10), visit_type=two)
    services.reservation_transition(
        reservation=visit, to_state=State.CANCELLED, by=customer, note="Away."
    )
    assert booked_counts(tomorrow_at(10), tomorrow_at(10, 30)) == [0, 0]

    visit = book(PetFactory(owner=customer), starts_at=tomorrow_at(14), visit_type=two)
    services.reservation_transition(
        reservation=visit, to_state=State.CONFIRMED, by=doctor
    )
    time_machine.move_to(tomorrow_at(14, 45))
    services.reservation_transition(
        reservation=visit, to_state=State.NO_SHOW, by=doctor
    )
    assert booked_counts(tomorrow_at(14), tomorrow_at(14, 30)) == [0, 0]


def test_a_move_by_one_slot_keeps_the_shared_slot_and_frees_the_old_one(customer):
    two = a_type("Two slots", 2)
    visit = book(PetFactory(owner=customer), starts_at=tomorrow_at(10), visit_type=two)

    # 10:30 is full (the visit itself holds its one place): still movable.
    services.reservation_update(
        reservation=visit,
        by=customer,
        starts_at=tomorrow_at(10, 30),
        symptoms=visit.symptoms,
        breathing_trouble=False,
        heavy_bleeding=False,
        collapse_or_seizure=False,
    )

    visit.refresh_from_db()
    assert (visit.slot.starts_at, visit.places, visit.visit_type) == (
        tomorrow_at(10, 30),
        2,
        two,
    )
    assert booked_counts(tomorrow_at(10), tomorrow_at(10, 30), tomorrow_at(11)) == [
        0,
        1,
        1,
    ]


def test_a_move_onto_a_taken_slot_changes_nothing(customer):
    two = a_type("Two slots", 2)
    visit = book(PetFactory(owner=customer), starts_at=tomorrow_at(10), visit_type=two)
    book(PetFactory(owner=customer), starts_at=tomorrow_at(15, 30))

    with pytest.raises(ValidationError):
        services.reservation_update(
            reservation=visit,
            by=customer,
            starts_at=tomorrow_at(15),
            symptoms=visit.symptoms,
            breathing_trouble=False,
            heavy_bleeding=False,
            collapse_or_seizure=False,
        )

    assert booked_counts(
        tomorrow_at(10), tomorrow_at(10, 30), tomorrow_at(15), tomorrow_at(15, 30)
    ) == [1, 1, 0, 1]


def test_the_booking_page_books_the_chosen_type_and_offers_only_times_that_fit(
    customer_client, customer
):
    pet = PetFactory(owner=customer)
    surgery = VisitType.objects.get(name="Surgery consultation")
    book(PetFactory(owner=customer), starts_at=tomorrow_at(10, 30))
    url = reverse("reservations:new")

    page = customer_client.post(
        url,
        {"show_times": "1", "visit_type": surgery.pk, "date": tomorrow().isoformat()},
    )
    assert page.status_code == 200
    offered = [start.isoformat() for start in page.context["times"].free_slots]
    assert tomorrow_at(10).isoformat() not in offered  # 10:30 is full
    assert tomorrow_at(11).isoformat() in offered
    assert "2 consecutive slots (60 minutes)" in page.content.decode()
    assert not Reservation.objects.filter(pet=pet).exists()

    response = customer_client.post(
        url,
        {
            "pet": pet.pk,
            "visit_type": surgery.pk,
            "starts_at": tomorrow_at(11).isoformat(),
            "symptoms": "A lump on the left hind leg.",
        },
    )

    visit = Reservation.objects.get(pet=pet)
    assert response.status_code == 302
    assert (visit.visit_type, visit.places) == (surgery, 2)
    page = customer_client.get(visit.get_absolute_url())
    assert "Surgery consultation" in page.content.decode()
    listing = customer_client.get(reverse("reservations:list"))
    assert "Surgery consultation" in listing.content.decode()


def test_the_booking_form_refuses_a_type_owners_cannot_book_online(
    customer_client, customer
):
    pet = PetFactory(owner=customer)
    dental = VisitType.objects.get(name="Dental")

    page = customer_client.get(reverse("reservations:new"))
    assert "Dental" not in page.content.decode()  # not offered
    response = customer_client.post(
        reverse("reservations:new"),
        {
            "pet": pet.pk,
            "visit_type": dental.pk,
            "starts_at": tomorrow_at(11).isoformat(),
            "symptoms": "Bad breath.",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["visit_type"] == [
        "A visit of the type “Dental” cannot be booked online. Please call the "
        "hospital to book it."
    ]
    assert not Reservation.objects.exists()
    assert not Slot.objects.filter(booked__gt=0).exists()


def test_an_inactive_or_unknown_type_is_refused(customer, customer_client):
    pet = PetFactory(owner=customer)
    gone = a_type("Retired", 1, active=False)
    with pytest.raises(ValidationError) as refused:
        book(pet, visit_type=gone)
    assert refused.value.code == "visit_type"
    response = customer_client.post(
        reverse("reservations:new"),
        {
            "pet": pet.pk,
            "visit_type": "999999",
            "starts_at": tomorrow_at(11).isoformat(),
            "symptoms": "Limping.",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["visit_type"] == [
        "Choose one of the types of visit offered."
    ]
    assert not Reservation.objects.exists()


def test_a_visit_changed_by_its_owner_keeps_its_type(customer_client, customer):
    two = a_type("Two slots", 2)
    visit = book(PetFactory(owner=customer), starts_at=tomorrow_at(10), visit_type=two)
    page = customer_client.get(reverse("reservations:edit", args=[visit.pk]))
    assert 'data-length="2"' in page.content.decode()

    customer_client.post(
        reverse("reservations:edit", args=[visit.pk]),
        {
            "version": services.reservation_version(visit),
            "starts_at": tomorrow_at(16).isoformat(),
            "symptoms": visit.symptoms,
            "visit_type": VisitType.default().pk,  # ignored: the type stays
        },
    )

    visit.refresh_from_db()
    assert (visit.slot.starts_at, visit.visit_type, visit.places) == (
        tomorrow_at(16),
        two,
        2,
    )
    assert booked_counts(tomorrow_at(16), tomorrow_at(16, 30)) == [1, 1]


def test_the_free_times_json_fits_the_type_or_length(customer_client, customer):
    book(PetFactory(owner=customer), starts_at=tomorrow_at(10, 30))
    surgery = VisitType.objects.get(name="Surgery consultation")
    url = reverse("reservations:slots")
    day = tomorrow().isoformat()

    by_type = customer_client.get(url, {"date": day, "type": surgery.pk}).json()
    by_length = customer_client.get(url, {"date": day, "length": "2"}).json()

    assert (by_type["length"], by_type["minutes"]) == (2, 60)
    assert by_type["slots"] == by_length["slots"]
    starts = [slot["label"] for slot in by_type["slots"]]
    assert "10:00" not in starts
    assert "10:30" not in starts
    assert "11:00" in starts
    for bad in ({"length": "0"}, {"length": "99"}, {"type": "x"}):
        answer = customer_client.get(url, {"date": day, **bad})
        assert answer.status_code == 400
        assert answer.json()["errors"]


def test_a_desk_only_type_is_not_found_by_owners_in_the_json(customer_client):
    dental = VisitType.objects.get(name="Dental")
    answer = customer_client.get(
        reverse("reservations:slots"),
        {"date": tomorrow().isoformat(), "type": dental.pk},
    )
    assert answer.status_code == 400


def test_the_booking_and_reminder_emails_name_the_type(customer):
    vaccination = VisitType.objects.get(name="Vaccination")
    customer.preferred_language = "zh-hans"
    customer.save(update_fields=["preferred_language"])
    visit = book(PetFactory(owner=customer), visit_type=vaccination)
    run_ready_tasks()

    (booked,) = mail.outbox
    assert "疫苗接种" in booked.body  # the type's Chinese name
    assert visit.visit_type.name_zh == "疫苗接种"


def test_the_front_desk_books_a_desk_only_type_for_a_customer(client, customer):
    desk = make_front_desk()
    client.force_login(desk)
    pet = PetFactory(owner=customer)
    dental = VisitType.objects.get(name="Dental")
    url = reverse("admin:reservations_book_for")

    page = client.post(
        url,
        {"times": "1", "visit_type": dental.pk, "day": tomorrow().isoformat()},
    )
    assert page.status_code == 200
    assert "Dental" in page.content.decode()

    response = client.post(
        url,
        {
            "pet": pet.pk,
            "visit_type": dental.pk,
            "starts_at": tomorrow_at(11).isoformat(),
            "symptoms": "Scaling.",
            "day": tomorrow().isoformat(),
        },
    )

    visit = Reservation.objects.get(pet=pet)
    assert response.status_code == 302
    assert (visit.visit_type, visit.places) == (dental, 2)
    assert booked_counts(tomorrow_at(11), tomorrow_at(11, 30)) == [1, 1]


def test_a_walk_in_keeps_its_type_and_takes_no_place(customer, time_machine):
    time_machine.move_to(tomorrow_at(10, 5))
    desk = make_front_desk()
    dental = VisitType.objects.get(name="Dental")

    visit = services.walk_in_register(
        by=desk,
        pet=PetFactory(owner=customer),
        reason="Broken tooth.",
        triage="standard",
        visit_type=dental,
    )

    assert visit.visit_type == dental
    assert not Slot.objects.filter(booked__gt=0).exists()


def test_the_waitlist_offers_a_two_slot_entry_only_a_place_it_fits(customer):
    two = a_type("Two slots", 2)
    book(PetFactory(name="Before"), starts_at=tomorrow_at(9, 30))
    first = book(PetFactory(name="Early"), starts_at=tomorrow_at(10))
    book(PetFactory(name="Next"), starts_at=tomorrow_at(10, 30))
    entry = services.waitlist_join(
        owner=customer,
        pet=PetFactory(owner=customer),
        first_day=tomorrow(),
        last_day=tomorrow(),
        symptoms="Check-up.",
        visit_type=two,
    )

    services.reservation_transition(
        reservation=first, to_state=State.CANCELLED, by=first.pet.owner, note="Away."
    )
    entry.refresh_from_db()
    # 9:30 and 10:30 are still full: no two slots in a row cover 10:00.
    assert entry.state == WaitlistEntry.State.WAITING

    second = Reservation.objects.get(slot__starts_at=tomorrow_at(10, 30))
    services.reservation_transition(
        reservation=second, to_state=State.CANCELLED, by=second.pet.owner, note="No."
    )
    entry.refresh_from_db()
    # Offered from the place just freed, held in both of its slots.
    assert entry.state == WaitlistEntry.State.OFFERED
    assert entry.offered_slot.starts_at == tomorrow_at(10, 30)
    assert entry.offered_places == 2
    assert booked_counts(tomorrow_at(10, 30), tomorrow_at(11)) == [1, 1]

    visit = services.waitlist_take(entry=entry, by=customer)
    assert (visit.visit_type, visit.places) == (two, 2)
    assert booked_counts(tomorrow_at(10, 30), tomorrow_at(11)) == [1, 1]

    services.reservation_transition(
        reservation=visit, to_state=State.CANCELLED, by=customer, note="Sorry."
    )
    assert booked_counts(tomorrow_at(10, 30), tomorrow_at(11)) == [0, 0]


def test_the_waitlist_page_asks_for_an_online_type(customer_client, customer):
    pet = PetFactory(owner=customer)
    check_up = VisitType.objects.get(name="Check-up")
    day = tomorrow().isoformat()

    page = customer_client.get(
        reverse("reservations:waitlist-new"), {"type": check_up.pk}
    )
    assert "Dental" not in page.content.decode()
    customer_client.post(
        reverse("reservations:waitlist-new"),
        {
            "pet": pet.pk,
            "visit_type": check_up.pk,
            "first_day": day,
            "last_day": day,
            "symptoms": "Yearly check-up.",
        },
    )

    assert WaitlistEntry.objects.get(pet=pet).visit_type == check_up
    listing = customer_client.get(reverse("reservations:list"))
    assert "Check-up" in listing.content.decode()


def test_the_flow_report_counts_visits_per_type(customer):
    check_up = VisitType.objects.get(name="Check-up")
    book(PetFactory(owner=customer), starts_at=tomorrow_at(9), visit_type=check_up)
    book(PetFactory(owner=customer), starts_at=tomorrow_at(10), visit_type=check_up)
    gone = book(PetFactory(owner=customer), starts_at=tomorrow_at(11))
    services.reservation_transition(
        reservation=gone, to_state=State.CANCELLED, by=customer, note="Away."
    )
    book(PetFactory(owner=customer), starts_at=tomorrow_at(12))

    report = flow_report(tomorrow(), tomorrow())

    assert report.types == [("Check-up", 2), ("Consultation", 1)]


def test_doctors_keep_types_in_the_admin_and_the_front_desk_only_sees_them(
    client, doctor
):
    client.force_login(doctor)
    url = reverse("admin:reservations_visittype_changelist")
    listing = client.get(url)
    assert listing.status_code == 200
    assert "Surgery consultation" in listing.content.decode()

    response = client.post(
        reverse("admin:reservations_visittype_add"),
        {
            "name": "Grooming",
            "name_zh": "美容",
            "slot_units": "3",
            "online": "on",
            "active": "on",
            "position": "60",
        },
    )
    assert response.status_code == 302
    assert VisitType.objects.get(name="Grooming").slot_units == 3
    bad = client.post(
        reverse("admin:reservations_visittype_add"),
        {"name": "Zero", "slot_units": "0", "position": "1"},
    )
    assert bad.status_code == 200
    assert not VisitType.objects.filter(name="Zero").exists()

    client.force_login(make_front_desk())
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:reservations_visittype_add")).status_code == 403


def test_a_type_name_follows_the_page_language():
    check_up = VisitType.objects.get(name="Check-up")
    with translation.override("zh-hans"):
        assert str(check_up) == "体检"
    with translation.override("en"):
        assert str(check_up) == "Check-up"
    nameless = a_type("No Chinese name", 1)
    with translation.override("zh-hans"):
        assert str(nameless) == "No Chinese name"


def test_a_walk_in_is_not_refused_when_every_slot_is_full(customer, time_machine):
    now = tomorrow_at(10, 5)
    time_machine.move_to(now)
    for start in slot_times(timezone.localdate(now)):
        Slot.objects.create(starts_at=start, capacity=1, booked=1)

    visit = services.walk_in_register(
        by=make_front_desk(),
        pet=PetFactory(owner=customer),
        reason="Limping.",
        triage="emergency",
    )

    assert visit.state == State.CHECKED_IN
    assert visit.visit_type == VisitType.default()


def test_a_freed_place_is_offered_as_the_end_of_a_visit_that_fits_before_it(
    customer,
):
    two = a_type("Two slots", 2)
    # 9:30 was free, 10:00 is freed, 10:30 stays full: 9:30-10:30 fits.
    freed = book(PetFactory(name="Early"), starts_at=tomorrow_at(10))
    book(PetFactory(name="Next"), starts_at=tomorrow_at(10, 30))
    entry = services.waitlist_join(
        owner=customer,
        pet=PetFactory(owner=customer),
        first_day=tomorrow(),
        last_day=tomorrow(),
        symptoms="Check-up.",
        visit_type=two,
    )

    services.reservation_transition(
        reservation=freed, to_state=State.CANCELLED, by=freed.pet.owner, note="Away."
    )

    entry.refresh_from_db()
    assert entry.state == WaitlistEntry.State.OFFERED
    assert entry.offered_slot.starts_at == tomorrow_at(9, 30)
    assert booked_counts(tomorrow_at(9, 30), tomorrow_at(10)) == [1, 1]

    services.waitlist_leave(entry=entry, by=customer)

    assert booked_counts(tomorrow_at(9, 30), tomorrow_at(10)) == [0, 0]


def test_the_queue_and_the_waitlist_list_show_the_type(doctor_client, customer):
    dental = VisitType.objects.get(name="Dental")
    make_visit(PetFactory(owner=customer), state=State.CONFIRMED, visit_type=dental)
    services.waitlist_join(
        owner=customer,
        pet=PetFactory(owner=customer),
        first_day=tomorrow(),
        last_day=tomorrow(),
        symptoms="Check-up.",
        visit_type=VisitType.objects.get(name="Vaccination"),
    )

    queue = doctor_client.get(reverse("admin:reservations_queue"))
    waitlist = doctor_client.get(reverse("admin:reservations_waitlistentry_changelist"))

    assert "Dental" in queue.content.decode()
    assert "Vaccination" in waitlist.content.decode()


def test_the_customers_export_names_each_visits_type(customer):
    surgery = VisitType.objects.get(name="Surgery consultation")
    book(PetFactory(owner=customer), visit_type=surgery)

    (visit,) = export(customer).data["visits"]

    assert (visit["visit_type"], visit["slots"]) == ("Surgery consultation", 2)
