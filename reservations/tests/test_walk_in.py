"""Walk-ins (issue 16): registered at the desk in one form, straight into
today's queue as checked in, whatever the slots hold."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import escape

from accounts.models import User
from accounts.tests.factories import UserFactory
from core.background import run_ready_tasks
from pets.models import Pet
from pets.tests.factories import PetFactory
from reservations import services
from reservations.models import ClinicSettings, Reservation, Slot, State, Triage
from reservations.selectors import queue_places, today_summary
from reservations.tests.factories import make_front_desk, make_visit, today_at

pytestmark = pytest.mark.django_db

WALK_IN = reverse("admin:reservations_walk_in")
SEARCH = reverse("admin:reservations_walk_in_search")
QUEUE = reverse("admin:reservations_queue")


@pytest.fixture
def desk(db):
    return make_front_desk(username="reception")


@pytest.fixture
def desk_client(client, desk):
    client.force_login(desk)
    return client


def register(by, pet=None, triage=Triage.STANDARD, **new):
    return services.walk_in_register(
        by=by, pet=pet, reason="Hit by a bicycle.", triage=triage, **new
    )


def test_a_walk_in_enters_todays_queue_checked_in_without_taking_a_place(
    desk, customer, at_ten
):
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1, slot_minutes=30)
    full = Slot.objects.create(starts_at=today_at(10), capacity=1, booked=1)
    pet = PetFactory(owner=customer, name="Rex")

    visit = register(desk, pet)

    visit.refresh_from_db()
    assert (visit.state, visit.triage, visit.walk_in) == (
        State.CHECKED_IN,
        Triage.STANDARD,
        True,
    )
    assert visit.slot == full  # the slot it arrived in, though full
    assert visit.checked_in_at == today_at(10, 10)
    full.refresh_from_db()
    assert full.booked == 1
    events = list(visit.events.values_list("kind", "actor", "to_value"))
    assert events == [
        ("created", desk.pk, "checked_in"),
        ("triage", desk.pk, "standard"),
    ]
    counts = {state: count for state, _label, count in today_summary().counts}
    assert counts["checked_in"] == 1


def test_an_emergency_walk_in_goes_to_the_top_of_its_band(desk, customer, at_ten):
    first = make_visit(
        PetFactory(owner=customer, name="Booked"),
        state=State.CHECKED_IN,
        triage=Triage.EMERGENCY,
        queue_position=1,
    )
    standard = make_visit(
        PetFactory(owner=customer, name="Standard"),
        state=State.CHECKED_IN,
        triage=Triage.STANDARD,
        queue_position=2,
    )

    visit = register(desk, PetFactory(owner=customer), triage=Triage.EMERGENCY)

    queue = [v.pk for v in today_summary().queue]
    assert queue == [visit.pk, first.pk, standard.pk]
    assert queue_places([visit])[visit.pk].place == 1


def test_a_standard_walk_in_joins_the_end_of_the_standard_band(desk, customer, at_ten):
    booked = make_visit(
        PetFactory(owner=customer), state=State.CONFIRMED, triage=Triage.STANDARD
    )

    visit = register(desk, PetFactory(owner=customer))

    assert [v.pk for v in today_summary().queue] == [booked.pk, visit.pk]


def test_outside_opening_hours_a_walk_in_arrives_at_its_minute(
    desk, customer, time_machine
):
    time_machine.move_to(today_at(23, 42).replace(second=17), tick=False)

    visit = register(desk, PetFactory(owner=customer), triage=Triage.EMERGENCY)

    assert visit.slot.starts_at == today_at(23, 42)


def test_a_new_customer_gets_an_account_to_claim_by_password_reset(
    desk, client, at_ten
):
    visit = register(
        desk,
        customer_name="Wang Fang",
        customer_phone="138 0013 8000",
        customer_email="fang@example.com",
        pet_name="Doudou",
        pet_species="cat",
    )

    owner = visit.pet.owner
    assert (owner.display_name, owner.phone, owner.email) == (
        "Wang Fang",
        "138 0013 8000",
        "fang@example.com",
    )
    assert not owner.has_usable_password()
    assert EmailAddress.objects.get(user=owner).verified is False
    assert (visit.pet.name, visit.pet.species) == ("Doudou", "cat")
    run_ready_tasks()
    # Only the invitation to claim the account (test_walk_in_mail.py).
    assert "Your account at the hospital is ready" in mail.outbox[0].subject
    mail.outbox.clear()

    client.post(reverse("account_reset_password"), {"email": "fang@example.com"})
    run_ready_tasks()

    assert [message.to for message in mail.outbox] == [["fang@example.com"]]


def test_a_new_customer_without_e_mail_gets_no_e_mail(desk, at_ten):
    visit = register(
        desk,
        customer_name="Li Lei",
        customer_phone="021 5555 0100",
        pet_name="Bobo",
        pet_species="dog",
    )
    run_ready_tasks()

    assert visit.pet.owner.email == ""
    assert mail.outbox == []


def test_a_new_customer_with_a_known_e_mail_is_refused_and_nothing_is_made(
    desk, customer, at_ten
):
    with pytest.raises(ValidationError) as refused:
        register(
            desk,
            customer_name="Alice again",
            customer_phone="138 0013 8000",
            customer_email="ALICE@example.com",
            pet_name="Doudou",
            pet_species="cat",
        )

    assert services.WALK_IN_EMAIL_TAKEN_ERROR in refused.value.messages
    assert User.objects.count() == 2  # the customer and the desk
    assert not Pet.objects.exists()


@pytest.mark.parametrize(
    "new",
    [
        {},
        {"customer_name": "Li Lei", "pet_name": "Bobo", "pet_species": "dog"},
        {"customer_name": "Li Lei", "customer_phone": "021 5555 0100"},
    ],
)
def test_a_walk_in_needs_a_pet_or_a_whole_new_customer(desk, new, at_ten):
    with pytest.raises(ValidationError) as refused:
        register(desk, **new)

    assert refused.value.messages == [str(services.WALK_IN_WHO_ERROR)]
    assert not Reservation.objects.exists()


def test_a_pet_with_a_visit_in_progress_is_checked_in_instead(desk, customer, at_ten):
    booked = make_visit(PetFactory(owner=customer), state=State.CONFIRMED)

    with pytest.raises(ValidationError) as refused:
        register(desk, booked.pet)

    assert refused.value.messages == [str(services.WALK_IN_PET_BUSY_ERROR)]
    assert Reservation.objects.count() == 1


def test_only_hospital_staff_register_walk_ins(customer, doctor, at_ten):
    pet = PetFactory(owner=customer)

    with pytest.raises(PermissionDenied):
        register(customer, pet)
    with pytest.raises(PermissionDenied):
        register(UserFactory(is_staff=True), pet)
    assert register(doctor, pet).walk_in


def test_cancelling_a_walk_in_frees_no_booked_place(doctor, customer, at_ten):
    slot = Slot.objects.create(starts_at=today_at(10), capacity=2, booked=2)
    visit = register(doctor, PetFactory(owner=customer))

    services.reservation_transition(
        reservation=visit, to_state=State.CANCELLED, by=doctor, note="Left."
    )

    slot.refresh_from_db()
    assert slot.booked == 2


def test_the_owner_sees_the_walk_in_and_another_customer_gets_404(
    client, desk, customer, other_customer, at_ten
):
    visit = register(desk, PetFactory(owner=customer, name="Rex"))

    client.force_login(customer)
    mine = client.get(reverse("reservations:list")).content.decode()
    page = client.get(visit.get_absolute_url())
    client.force_login(other_customer)
    theirs = client.get(visit.get_absolute_url())

    assert "Rex" in mine
    assert page.status_code == 200
    assert theirs.status_code == 404


# --- the page --------------------------------------------------------------------


def test_the_desk_registers_a_walk_in_with_the_form(desk_client, customer, at_ten):
    pet = PetFactory(owner=customer, name="Rex")

    response = desk_client.post(
        WALK_IN,
        {"pet": pet.pk, "reason": "Cut paw.", "triage": "emergency", "register": "1"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == QUEUE
    visit = Reservation.objects.get()
    assert (visit.pet, visit.symptoms, visit.triage) == (pet, "Cut paw.", "emergency")
    html = response.content.decode()
    assert "Rex is checked in and in today’s queue (Emergency)." in html
    assert f'id="queue-visit-{visit.pk}"' in html


def test_the_form_says_what_is_missing_and_registers_nothing(desk_client, at_ten):
    response = desk_client.post(
        WALK_IN, {"reason": "", "triage": "", "customer_name": "Li Lei"}
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"reason", "triage"}
    response = desk_client.post(
        WALK_IN, {"reason": "Limping.", "triage": "standard", "customer_name": "Li"}
    )
    assert escape(str(services.WALK_IN_WHO_ERROR)) in response.content.decode()
    assert not Reservation.objects.exists()


def test_find_lists_the_matching_pets_without_javascript(desk_client, customer):
    customer.phone = "+86 138-0013-8000"
    customer.save()
    PetFactory(owner=customer, name="Rex")
    PetFactory(owner=UserFactory(), name="Tom")

    response = desk_client.post(
        WALK_IN, {"q": "13800138000", "search": "1", "reason": ""}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Rex (" in html
    assert "Tom (" not in html
    assert "1 pet found" in html
    assert not response.context["form"].errors


@pytest.mark.parametrize("term", ["rex", "alice@exa", "0013 8000", "Alice"])
def test_the_search_finds_a_pet_by_its_name_or_its_owners(desk_client, customer, term):
    customer.phone = "138 0013 8000"
    customer.display_name = "Alice Liddell"
    customer.save()
    rex = PetFactory(owner=customer, name="Rex")
    PetFactory(owner=UserFactory(display_name="Bob"), name="Tom")

    results = desk_client.get(SEARCH, {"q": term}).json()["results"]

    assert [result["id"] for result in results] == [rex.pk]
    assert results[0]["label"].startswith("Rex (")


def test_the_search_ignores_a_nul_and_a_too_short_term(desk_client, customer):
    PetFactory(owner=customer, name="Rex")

    assert desk_client.get(SEARCH, {"q": "R"}).json() == {"results": []}
    # The site refuses a NUL in the query before any view (PITFALLS.md).
    assert desk_client.get(SEARCH, {"q": "Re\x00x"}).status_code == 400


def test_customers_cannot_reach_the_walk_in_page_or_the_search(
    client, customer, other_customer
):
    PetFactory(owner=other_customer, name="Tom")
    client.force_login(customer)

    for url in (WALK_IN, f"{SEARCH}?q=Tom"):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_the_today_panel_and_the_queue_link_to_the_walk_in_form(desk_client):
    for url in (reverse("admin:index"), QUEUE):
        assert WALK_IN in desk_client.get(url).content.decode()


def test_the_walk_in_page_speaks_chinese_too(desk_client):
    response = desk_client.get(WALK_IN, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()


def test_a_bad_phone_is_shown_next_to_the_phone_and_nothing_is_made(
    desk_client, at_ten
):
    response = desk_client.post(
        WALK_IN,
        {
            "customer_name": "Li Lei",
            "customer_phone": "call me maybe",
            "pet_name": "Bobo",
            "pet_species": "dog",
            "reason": "Limping.",
            "triage": "standard",
            "register": "1",
        },
    )

    assert response.status_code == 400
    assert "customer_phone" in response.context["form"].errors
    assert not Reservation.objects.exists()
    assert not User.objects.filter(display_name="Li Lei").exists()


def test_the_new_customers_e_mails_come_in_the_language_the_desk_chose(
    desk, desk_client, at_ten
):
    desk.preferred_language = "zh-hans"
    desk.save(update_fields=["preferred_language"])
    form = desk_client.get(WALK_IN).context["form"]
    assert form["customer_language"].value() == "zh-hans"

    desk_client.post(
        WALK_IN,
        {
            "customer_name": "Wang Fang",
            "customer_phone": "138 0013 8000",
            "customer_language": "zh-hans",
            "pet_name": "Doudou",
            "pet_species": "cat",
            "reason": "Sneezing.",
            "triage": "standard",
            "register": "1",
        },
    )

    assert User.objects.get(display_name="Wang Fang").preferred_language == "zh-hans"


def test_a_pet_chosen_as_a_non_ascii_digit_is_a_form_error_not_a_500(desk_client):
    response = desk_client.post(WALK_IN, {"search": "1", "pet": "²", "q": "ab"})

    assert response.status_code == 200
    assert not Reservation.objects.exists()


def test_an_e_mail_an_unconfirmed_account_uses_is_refused_without_pointing_at_it(
    desk, at_ten
):
    UserFactory(username="squatter", email="alice@example.com", verified=False)

    with pytest.raises(ValidationError) as refused:
        register(
            desk,
            customer_name="Alice",
            customer_phone="138 0013 8000",
            customer_email="alice@example.com",
            pet_name="Doudou",
            pet_species="cat",
        )

    assert services.WALK_IN_EMAIL_UNCONFIRMED_ERROR in refused.value.messages
    assert services.WALK_IN_EMAIL_TAKEN_ERROR not in refused.value.messages
    assert not Pet.objects.exists()
