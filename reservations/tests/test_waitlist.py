"""The waitlist (issue 16): a freed place is offered to the first matching
owner, held for 30 minutes, then offered to the next."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from accounts.closure import account_erase
from accounts.models import Notification
from accounts.tests.factories import UserFactory
from core import schedule
from core.background import run_ready_tasks
from pets.tests.factories import PetFactory
from reservations import services
from reservations.models import ClinicSettings, Reservation, Slot, State, WaitlistEntry
from reservations.personal_data import export
from reservations.tests.factories import book, make_front_desk, tomorrow_at
from reservations.tests.places import cancel

pytestmark = pytest.mark.django_db

Waiting = WaitlistEntry.State


@pytest.fixture
def full_ten():
    """Tomorrow 10:00 with one place, taken by a visit its owner may cancel."""
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1)
    return book(PetFactory(name="Early"), starts_at=tomorrow_at(10))


def join(owner, name, **fields):
    pet = PetFactory(owner=owner, name=name)
    day = tomorrow_at(10).date()
    return services.waitlist_join(
        owner=owner,
        pet=pet,
        first_day=fields.get("first_day", day),
        last_day=fields.get("last_day", day),
        symptoms="Yearly check-up.",
    )


def ten_oclock():
    return Slot.objects.get(starts_at=tomorrow_at(10))


def state_of(entry):
    entry.refresh_from_db()
    return entry.state


def test_a_cancellation_offers_the_place_to_the_first_waiting_owner(
    full_ten, customer, other_customer, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    first = join(customer, "Mochi")
    second = join(other_customer, "Tofu")

    cancel(full_ten)

    first.refresh_from_db()
    assert first.state == Waiting.OFFERED
    assert first.offered_slot == ten_oclock()
    assert first.offer_expires_at == timezone.now() + datetime.timedelta(minutes=30)
    assert state_of(second) == Waiting.WAITING
    # The hold counts against capacity: nobody else can book the place.
    assert ten_oclock().booked == 1
    with pytest.raises(ValidationError) as refused:
        book(PetFactory(), starts_at=tomorrow_at(10))
    assert refused.value.code == "slot_taken"
    # The owner hears of it by notification and e-mail, with the link.
    notification = Notification.objects.get(recipient=customer)
    assert notification.url == first.get_absolute_url()
    assert "Mochi" in notification.text
    run_ready_tasks()
    offers = [m for m in mail.outbox if m.to == [customer.email]]
    (offer,) = [m for m in offers if "Mochi" in m.subject]
    assert f"/reservations/waitlist/{first.pk}/" in offer.body


def test_a_second_cancellation_in_the_same_minute_goes_to_the_second_owner(
    customer, other_customer, time_machine
):
    time_machine.move_to(tomorrow_at(10) - datetime.timedelta(hours=20), tick=False)
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=2)
    visits = [book(PetFactory(), starts_at=tomorrow_at(10)) for _ in range(2)]
    first = join(customer, "Mochi")
    second = join(other_customer, "Tofu")

    cancel(visits[0])
    cancel(visits[1])

    assert state_of(first) == Waiting.OFFERED
    assert state_of(second) == Waiting.OFFERED
    assert ten_oclock().booked == 2  # two places held


def test_an_offer_not_taken_in_30_minutes_moves_on(
    full_ten, customer, other_customer, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    first = join(customer, "Mochi")
    second = join(other_customer, "Tofu")
    cancel(full_ten)
    slot = ten_oclock()  # read now: "tomorrow" may change as the clock moves

    time_machine.shift(datetime.timedelta(minutes=29))
    assert services.waitlist_offers_expire() == 0
    assert state_of(second) == Waiting.WAITING

    time_machine.shift(datetime.timedelta(minutes=1))
    assert services.waitlist_offers_expire() == 1

    assert state_of(first) == Waiting.WAITING  # still on the list
    assert state_of(second) == Waiting.OFFERED
    slot.refresh_from_db()
    assert slot.booked == 1  # handed on, never freed for others
    # Left to lapse again, nobody is offered it twice: the place is free.
    time_machine.shift(datetime.timedelta(minutes=30))
    services.waitlist_offers_expire()
    assert state_of(first) == state_of(second) == Waiting.WAITING
    slot.refresh_from_db()
    assert slot.booked == 0


def test_the_owner_takes_the_offer_and_the_visit_is_booked(
    full_ten, customer_client, customer
):
    entry = join(customer, "Mochi")
    cancel(full_ten)
    url = reverse("reservations:waitlist-offer", args=[entry.pk])

    page = customer_client.get(url)
    assert page.status_code == 200
    assert 'data-testid="take-offer"' in page.content.decode()
    response = customer_client.post(url)

    visit = Reservation.objects.get(pet=entry.pet)
    assert response["Location"] == visit.get_absolute_url()
    assert (visit.state, visit.slot.starts_at) == (State.REQUESTED, tomorrow_at(10))
    assert visit.symptoms == "Yearly check-up."
    assert state_of(entry) == Waiting.BOOKED
    assert ten_oclock().booked == 1  # the hold became the visit


def test_another_customer_cannot_take_or_see_someones_offer(
    full_ten, customer, other_customer, client
):
    entry = join(customer, "Mochi")
    cancel(full_ten)
    client.force_login(other_customer)
    for name in ("reservations:waitlist-offer", "reservations:waitlist-leave"):
        url = reverse(name, args=[entry.pk])
        assert client.post(url).status_code == 404
    assert (
        client.get(reverse("reservations:waitlist-offer", args=[entry.pk])).status_code
        == 404
    )
    assert state_of(entry) == Waiting.OFFERED
    assert not Reservation.objects.filter(pet=entry.pet).exists()


def test_a_lapsed_offer_cannot_be_taken_even_before_the_job_runs(
    full_ten, customer, customer_client, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    entry = join(customer, "Mochi")
    cancel(full_ten)
    time_machine.shift(datetime.timedelta(minutes=31))

    url = reverse("reservations:waitlist-offer", args=[entry.pk])
    customer_client.post(url)

    assert not Reservation.objects.filter(pet=entry.pet).exists()
    assert 'data-testid="offer-closed"' in customer_client.get(url).content.decode()


def test_leaving_with_a_held_place_offers_it_to_the_next(
    full_ten, customer, other_customer, customer_client
):
    first = join(customer, "Mochi")
    second = join(other_customer, "Tofu")
    cancel(full_ten)

    customer_client.post(reverse("reservations:waitlist-leave", args=[first.pk]))

    assert state_of(first) == Waiting.LEFT
    assert state_of(second) == Waiting.OFFERED


def test_only_matching_days_are_offered(full_ten, customer):
    later = tomorrow_at(10).date() + datetime.timedelta(days=2)
    entry = join(customer, "Mochi", first_day=later, last_day=later)
    cancel(full_ten)
    assert state_of(entry) == Waiting.WAITING
    assert ten_oclock().booked == 0


def test_joining_from_the_page_and_leaving_from_my_visits(customer_client, customer):
    pet = PetFactory(owner=customer, name="Mochi")
    day = tomorrow_at(10).date()
    page = customer_client.get(
        reverse("reservations:waitlist-new"), {"pet": pet.pk, "date": day}
    )
    assert page.context["form"]["pet"].value() == str(pet.pk)
    response = customer_client.post(
        reverse("reservations:waitlist-new"),
        {
            "pet": pet.pk,
            "first_day": day,
            "last_day": day + datetime.timedelta(days=3),
            "symptoms": "Check-up.",
        },
    )
    assert response["Location"] == reverse("reservations:list")
    entry = WaitlistEntry.objects.get(pet=pet)
    listing = customer_client.get(reverse("reservations:list")).content.decode()
    assert 'data-testid="waitlist"' in listing
    assert reverse("reservations:waitlist-leave", args=[entry.pk]) in listing

    customer_client.post(reverse("reservations:waitlist-leave", args=[entry.pk]))
    assert state_of(entry) == Waiting.LEFT
    listing = customer_client.get(reverse("reservations:list")).content.decode()
    assert 'data-testid="waitlist"' not in listing


def test_the_join_page_refuses_bad_days_and_a_second_entry(customer_client, customer):
    entry = join(customer, "Mochi")
    day = tomorrow_at(10).date()
    url = reverse("reservations:waitlist-new")
    backwards = customer_client.post(
        url,
        {
            "pet": entry.pet.pk,
            "first_day": day,
            "last_day": day - datetime.timedelta(days=1),
            "symptoms": "x",
        },
    )
    assert backwards.status_code == 400
    again = customer_client.post(
        url, {"pet": entry.pet.pk, "first_day": day, "last_day": day, "symptoms": "x"}
    )
    assert again.status_code == 400
    assert str(services.WAITLIST_ALREADY_ERROR) in again.content.decode()
    assert WaitlistEntry.objects.count() == 1


def test_another_customers_pet_cannot_join(customer, other_customer):
    with pytest.raises(ValidationError):
        services.waitlist_join(
            owner=other_customer,
            pet=PetFactory(owner=customer),
            first_day=tomorrow_at(10).date(),
            last_day=tomorrow_at(10).date(),
            symptoms="x",
        )


def test_the_booking_page_links_the_waitlist_on_a_full_day(customer_client, customer):
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1)
    pet = PetFactory(owner=customer)
    day = tomorrow_at(10).date()
    for hour in range(8, 20):
        for minute in (0, 30):
            Slot.objects.create(
                starts_at=tomorrow_at(hour, minute), capacity=1, booked=1
            )
    page = customer_client.get(
        reverse("reservations:new"), {"date": day, "pet": pet.pk}
    )
    assert 'data-testid="waitlist-link"' in page.content.decode()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_waitlist_pages_speak_both_languages(client, language):
    user = UserFactory(preferred_language=language)
    PetFactory(owner=user)
    client.force_login(user)
    page = client.get(
        reverse("reservations:waitlist-new"), HTTP_ACCEPT_LANGUAGE=language
    )
    with translation.override(language):
        title = translation.gettext("Join the waitlist")
    assert f'lang="{language}"' in page.content.decode()
    assert title in page.content.decode()


def test_doctors_and_the_front_desk_see_the_waitlist_and_customers_do_not(
    client, doctor, customer
):
    join(customer, "Mochi")
    url = reverse("admin:reservations_waitlistentry_changelist")
    for staff in (doctor, make_front_desk()):
        client.force_login(staff)
        page = client.get(url)
        assert page.status_code == 200
        assert "Mochi" in page.content.decode()
    client.force_login(customer)
    assert client.get(url).status_code == 302


def test_the_schedule_hands_on_lapsed_offers_every_minute():
    (job,) = [j for j in schedule.jobs() if j.name.endswith("expire_waitlist_offers")]
    assert job.period == datetime.timedelta(minutes=1)


def test_the_today_panel_links_the_waitlist_for_the_front_desk(client):
    client.force_login(make_front_desk())
    page = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:reservations_waitlistentry_changelist") in page


def test_the_front_desk_takes_an_owner_off_and_the_held_place_moves_on(
    full_ten, client, customer, other_customer
):
    first = join(customer, "Mochi")
    second = join(other_customer, "Tofu")
    cancel(full_ten)
    client.force_login(make_front_desk())

    response = client.post(
        reverse("admin:reservations_waitlistentry_changelist"),
        {"action": "take_off", "_selected_action": [first.pk]},
    )

    assert response.status_code == 302
    assert state_of(first) == Waiting.LEFT
    assert state_of(second) == Waiting.OFFERED
    assert ten_oclock().booked == 1


def test_a_customer_cannot_take_another_off_through_the_service(
    customer, other_customer
):
    entry = join(customer, "Mochi")
    with pytest.raises(PermissionDenied):
        services.waitlist_leave(entry=entry, by=other_customer)
    assert state_of(entry) == Waiting.WAITING


# --- the customer's data ------------------------------------------------------------


@pytest.mark.django_db
def test_a_customers_export_holds_their_waitlist_and_their_erasure_removes_it(
    full_ten,
):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    join(alice, "Biscuit")
    cancel(full_ten)  # the place is held for Alice
    join(bob, "Rex")

    assert [row["pet"]["name"] for row in export(alice).data["waitlist"]] == ["Biscuit"]
    account_erase(user=alice)

    assert not WaitlistEntry.objects.filter(owner=alice).exists()
    # The place held for Alice went to the next owner on the list.
    assert WaitlistEntry.objects.get(owner=bob).state == "offered"


@pytest.mark.django_db
def test_the_waitlist_page_takes_a_crafted_pet_id_without_a_500(client, customer):
    client.force_login(customer)

    response = client.get(reverse("reservations:waitlist-new"), {"pet": "²"})

    assert response.status_code == 200


@pytest.mark.django_db
def test_a_deactivated_account_is_offered_no_place(full_ten):
    gone, next_one = UserFactory(username="gone"), UserFactory(username="next")
    join(gone, "Biscuit")
    join(next_one, "Rex")
    gone.is_active = False
    gone.save()

    cancel(full_ten)

    assert WaitlistEntry.objects.get(owner=gone).state == "waiting"
    assert WaitlistEntry.objects.get(owner=next_one).state == "offered"
