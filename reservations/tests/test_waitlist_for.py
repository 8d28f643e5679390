"""Putting a customer on the waitlist on the phone (issue 16): the front desk
and doctors join through the owner's own waitlist service, any active type."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from pets.tests.factories import PetFactory
from reservations import services
from reservations.admin.waitlist_for import WAITLIST_FOR_PET_ERROR
from reservations.models import ClinicSettings, VisitType, WaitlistEntry
from reservations.tests.factories import book, tomorrow_at
from reservations.tests.places import cancel

pytestmark = pytest.mark.django_db

WAITLIST_FOR = reverse("admin:reservations_waitlist_for")
WAITLIST_LIST = reverse("admin:reservations_waitlistentry_changelist")


@pytest.fixture
def surgery():
    """A type owners cannot book online."""
    return VisitType.objects.create(
        name="Surgery consult", slot_units=1, online=False, position=100
    )


def tomorrow():
    return tomorrow_at(10).date()


def posted(pet, **fields):
    return {
        "q": "",
        "customer": pet.owner.pk,
        "pet": pet.pk,
        "visit_type": VisitType.default().pk,
        "first_day": tomorrow().isoformat(),
        "last_day": (tomorrow() + datetime.timedelta(days=3)).isoformat(),
        "symptoms": "Yearly check-up.",
        "join": "1",
        **fields,
    }


def test_the_desk_puts_a_customer_on_the_waitlist_seen_by_owner_and_desk(
    desk_client, rex, customer
):
    response = desk_client.post(WAITLIST_FOR, posted(rex))

    assert response.status_code == 302
    assert response["Location"] == WAITLIST_LIST
    entry = WaitlistEntry.objects.get()
    assert (entry.owner, entry.pet, entry.state) == (customer, rex, "waiting")
    assert (entry.first_day, entry.last_day) == (
        tomorrow(),
        tomorrow() + datetime.timedelta(days=3),
    )
    assert entry.symptoms == "Yearly check-up."
    assert entry.by_staff
    # The desk's waitlist lists it.
    listed = desk_client.get(WAITLIST_LIST).content.decode()
    assert reverse("admin:pets_pet_change", args=[rex.pk]) in listed
    # And so do the owner's visits, with the button to leave.
    desk_client.force_login(customer)
    visits = desk_client.get(reverse("reservations:list")).content.decode()
    assert 'data-testid="waitlist"' in visits
    assert "Rex" in visits
    assert reverse("reservations:waitlist-leave", args=[entry.pk]) in visits


def test_a_doctor_may_too_and_an_empty_note_is_the_type(client, doctor, rex):
    client.force_login(doctor)

    response = client.post(WAITLIST_FOR, posted(rex, symptoms="", customer=""))

    assert response.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert entry.owner == rex.owner  # the pet's owner when none is chosen
    assert entry.symptoms == VisitType.default().label


def test_a_desk_only_type_is_allowed_for_the_desk_not_on_the_owners_page(
    desk_client, rex, customer, surgery
):
    assert (
        desk_client.post(WAITLIST_FOR, posted(rex, visit_type=surgery.pk)).status_code
        == 302
    )
    assert WaitlistEntry.objects.get().visit_type == surgery

    desk_client.force_login(customer)
    tofu = PetFactory(owner=customer, name="Tofu")
    refused = desk_client.post(
        reverse("reservations:waitlist-new"),
        {**posted(tofu, visit_type=surgery.pk)},
    )
    assert refused.status_code == 400
    assert "cannot be booked online" in refused.content.decode()
    assert not WaitlistEntry.objects.filter(pet=tofu).exists()
    with pytest.raises(ValidationError) as error:
        services.waitlist_join(
            owner=customer,
            pet=tofu,
            first_day=tomorrow(),
            last_day=tomorrow(),
            symptoms="x",
            visit_type=surgery,
        )
    assert error.value.code == "visit_type"


def test_a_freed_place_is_offered_and_taken_for_a_desk_only_type(
    desk, rex, customer, surgery
):
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1)
    early = book(PetFactory(name="Early"), starts_at=tomorrow_at(10))
    entry = services.waitlist_join(
        owner=customer,
        pet=rex,
        first_day=tomorrow(),
        last_day=tomorrow(),
        symptoms="Stitches.",
        visit_type=surgery,
        by=desk,
    )

    cancel(early)

    entry.refresh_from_db()
    assert entry.state == WaitlistEntry.State.OFFERED
    visit = services.waitlist_take(entry=entry, by=customer)
    assert (visit.pet, visit.visit_type, visit.slot.starts_at) == (
        rex,
        surgery,
        tomorrow_at(10),
    )


def test_another_customers_pet_is_refused_and_nothing_stored(
    desk_client, customer, other_customer
):
    theirs = PetFactory(owner=other_customer, name="Tofu")

    response = desk_client.post(WAITLIST_FOR, posted(theirs, customer=customer.pk))

    assert response.status_code == 400
    assert escape(str(WAITLIST_FOR_PET_ERROR)) in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_a_deactivated_customer_is_refused(desk, desk_client, rex):
    rex.owner.is_active = False
    rex.owner.save(update_fields=["is_active"])

    response = desk_client.post(WAITLIST_FOR, posted(rex))

    assert response.status_code == 400
    html = response.content.decode()
    assert escape(str(services.WAITLIST_OWNER_INACTIVE_ERROR)) in html
    assert not WaitlistEntry.objects.exists()
    with pytest.raises(ValidationError):
        services.waitlist_join(
            owner=rex.owner,
            pet=rex,
            first_day=tomorrow(),
            last_day=tomorrow(),
            symptoms="x",
            by=desk,
        )


def test_the_rules_of_the_owners_page_hold(desk_client, rex):
    too_long = posted(rex, last_day=(tomorrow() + datetime.timedelta(days=61)))
    response = desk_client.post(WAITLIST_FOR, too_long)
    assert response.status_code == 400
    assert not WaitlistEntry.objects.exists()

    assert desk_client.post(WAITLIST_FOR, posted(rex)).status_code == 302
    again = desk_client.post(WAITLIST_FOR, posted(rex))
    assert again.status_code == 400
    assert str(services.WAITLIST_ALREADY_ERROR) in again.content.decode()
    assert WaitlistEntry.objects.count() == 1


def test_a_customer_cannot_open_the_page(customer_client, rex):
    assert customer_client.get(WAITLIST_FOR).status_code == 302  # the admin's login
    customer_client.post(WAITLIST_FOR, posted(rex))
    assert not WaitlistEntry.objects.exists()


def test_the_service_refuses_a_customer_adding_another(other_customer, rex):
    with pytest.raises(PermissionDenied):
        services.waitlist_join(
            owner=rex.owner,
            pet=rex,
            first_day=tomorrow(),
            last_day=tomorrow(),
            symptoms="x",
            by=other_customer,
        )
    assert not WaitlistEntry.objects.exists()


@pytest.mark.parametrize("button", ["search", "join"])
def test_ids_as_non_ascii_digits_are_form_errors_not_500s(desk_client, rex, button):
    response = desk_client.post(
        WAITLIST_FOR, {**posted(rex), "pet": "²", "customer": "³", button: "1"}
    )

    assert response.status_code in (200, 400)
    assert not WaitlistEntry.objects.exists()


def test_without_javascript_find_lists_the_pet_and_its_owner(desk_client, rex):
    found = desk_client.post(WAITLIST_FOR, {"q": "13800138000", "search": "1"})

    html = found.content.decode()
    assert found.status_code == 200
    assert f'<option value="{rex.pk}">Rex' in html
    assert f'<option value="{rex.owner.pk}">{rex.owner.name}' in html
    assert not WaitlistEntry.objects.exists()


def test_the_today_panel_the_visit_list_and_the_waitlist_link_the_page(desk_client):
    for url in (
        reverse("admin:index"),
        reverse("admin:reservations_reservation_changelist"),
        WAITLIST_LIST,
    ):
        assert WAITLIST_FOR in desk_client.get(url).content.decode()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_page_speaks_both_languages(client, desk, language):
    desk.preferred_language = language
    desk.save(update_fields=["preferred_language"])
    client.force_login(desk)
    response = client.get(WAITLIST_FOR, HTTP_ACCEPT_LANGUAGE=language)
    with translation.override(language):
        words = [
            translation.gettext("Put a customer on the waitlist"),
            translation.gettext("Put on the waitlist"),
            translation.gettext("Find a customer or pet"),
            translation.gettext("Reason for the visit"),
        ]
    html = response.content.decode()
    assert response.status_code == 200
    assert f'lang="{language}"' in html
    for word in words:
        assert escape(word) in html
    if language == "zh-hans":
        assert "查找" in html or "宠物" in html  # catalog strings already there
