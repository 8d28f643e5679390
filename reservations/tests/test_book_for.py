"""Booking for a customer on the phone (issue 16): the front desk and doctors
book through the owner's own booking service, recorded as theirs."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar

from core.background import run_ready_tasks
from pets.tests.factories import PetFactory
from reservations import services
from reservations.models import ClinicSettings, Reservation, ReservationEvent, State
from reservations.tests.factories import book, tomorrow_at

pytestmark = pytest.mark.django_db

BOOK_FOR = reverse("admin:reservations_book_for")


def posted(pet, at=None, **fields):
    return {
        "q": "",
        "pet": pet.pk,
        "day": (at or tomorrow_at(10)).date().isoformat(),
        "starts_at": (at or tomorrow_at(10)).isoformat(),
        "symptoms": "Limping since Monday.",
        "book": "1",
        **fields,
    }


def test_the_front_desk_books_for_a_customer_recorded_as_theirs(
    desk_client, desk, rex, customer
):
    response = desk_client.post(BOOK_FOR, posted(rex))

    visit = Reservation.objects.get(pet=rex)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:reservations_reservation_change", args=[visit.pk]
    )
    assert (visit.state, visit.slot.starts_at) == (State.REQUESTED, tomorrow_at(10))
    assert visit.slot.booked == 1
    events = list(visit.events.values_list("kind", "actor", "to_value"))
    assert events == [(ReservationEvent.Kind.CREATED, desk.pk, State.REQUESTED)]
    # The owner's e-mail says who booked, with the calendar file.
    run_ready_tasks()
    (message,) = mail.outbox
    assert message.to == [customer.email]
    assert "As agreed with you, we have booked a visit for Rex" in message.body
    ((_name, calendar, _kind),) = message.attachments
    assert Calendar.from_ical(calendar).walk("VEVENT")
    # And the owner's visit page names the desk.
    desk_client.force_login(customer)
    page = desk_client.get(visit.get_absolute_url()).content.decode()
    assert "Rita Desk" in page


def test_a_doctor_books_for_a_customer_too(client, doctor, rex):
    client.force_login(doctor)
    assert client.post(BOOK_FOR, posted(rex)).status_code == 302
    visit = Reservation.objects.get(pet=rex)
    assert visit.events.get().actor == doctor


def test_a_customer_cannot_open_the_page(customer_client, rex):
    assert customer_client.get(BOOK_FOR).status_code == 302  # the admin's login
    customer_client.post(BOOK_FOR, posted(rex))
    assert not Reservation.objects.exists()


def test_the_service_refuses_a_customer_booking_for_another(other_customer, rex):
    with pytest.raises(PermissionDenied):
        services.reservation_create(
            owner=rex.owner,
            pet=rex,
            starts_at=tomorrow_at(10),
            symptoms="x",
            by=other_customer,
        )
    assert not Reservation.objects.exists()


def test_a_full_time_is_refused_as_on_the_public_site(desk_client, rex, customer):
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1)
    book(PetFactory(owner=customer), starts_at=tomorrow_at(10))

    response = desk_client.post(BOOK_FOR, posted(rex))

    assert response.status_code == 400
    assert str(services.SLOT_TAKEN_ERROR) in response.content.decode()
    assert not Reservation.objects.filter(pet=rex).exists()


def test_a_pet_with_a_visit_in_progress_is_refused(desk_client, rex):
    book(rex, starts_at=tomorrow_at(11))

    response = desk_client.post(BOOK_FOR, posted(rex))

    assert response.status_code == 400
    assert str(services.PET_HAS_ONGOING_VISIT_ERROR) in response.content.decode()
    assert Reservation.objects.filter(pet=rex).count() == 1


def test_without_javascript_find_lists_the_pet_and_show_free_times_the_times(
    desk_client, rex
):
    found = desk_client.post(BOOK_FOR, {"q": "13800138000", "search": "1"})
    assert found.status_code == 200
    assert f'<option value="{rex.pk}">Rex' in found.content.decode()

    day = tomorrow_at(10).date().isoformat()
    times = desk_client.post(BOOK_FOR, {"pet": rex.pk, "day": day, "times": "1"})
    html = times.content.decode()
    assert f'value="{tomorrow_at(10).isoformat()}"' in html
    assert f'<option value="{rex.pk}" selected>Rex' in html
    assert not Reservation.objects.exists()


def test_the_dashboard_links_the_page(desk_client):
    for url in (
        reverse("admin:index"),
        reverse("admin:reservations_reservation_changelist"),
    ):
        assert BOOK_FOR in desk_client.get(url).content.decode()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_page_speaks_both_languages(client, desk, language):
    desk.preferred_language = language
    desk.save(update_fields=["preferred_language"])
    client.force_login(desk)
    response = client.get(BOOK_FOR, HTTP_ACCEPT_LANGUAGE=language)
    with translation.override(language):
        title = translation.gettext("Book a visit for a customer")
        button = translation.gettext("Book the visit")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'lang="{language}"' in html
    assert title in html
    assert button in html


def test_a_visit_booked_for_a_customer_shows_in_their_visits(
    desk, rex, customer, client
):
    services.reservation_create(
        owner=customer, pet=rex, starts_at=tomorrow_at(10), symptoms="x", by=desk
    )
    client.force_login(customer)
    assert "Rex" in client.get(reverse("reservations:list")).content.decode()
    with pytest.raises(ValidationError):
        services.reservation_create(
            owner=customer, pet=rex, starts_at=tomorrow_at(11), symptoms="x", by=desk
        )


@pytest.mark.django_db
def test_a_pet_chosen_as_a_non_ascii_digit_is_a_form_error_not_a_500(desk_client):
    response = desk_client.post(
        reverse("admin:reservations_book_for"), {"search": "1", "pet": "²"}
    )

    assert response.status_code == 200
    assert not Reservation.objects.exists()


@pytest.mark.django_db
def test_the_desk_cannot_book_for_a_deactivated_account(desk_client, rex):
    rex.owner.is_active = False
    rex.owner.save()

    response = desk_client.post(BOOK_FOR, posted(rex))

    assert response.status_code == 400
    assert not Reservation.objects.exists()
