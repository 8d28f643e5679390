"""The dashboard's plain lists keep their results table rendered
(core/admin_parts.py): a reload shows every change to what the table shows,
the table is the one Django draws, and a list with a query string is never
kept."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services as accounts_services
from accounts.access_log import AccessView
from accounts.models import AccessLog
from accounts.tests.factories import UserFactory
from pets.models import Pet
from pets.record.alerts import alert_set
from pets.tests.factories import PetFactory
from reservations.models import State
from reservations.tests.factories import make_visit

pytestmark = pytest.mark.django_db

PETS = reverse("admin:pets_pet_changelist")
USERS = reverse("admin:accounts_user_changelist")
VISITS = reverse("admin:reservations_reservation_changelist")


def table(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return re.search(
        r'<div class="results">.*?</table>', response.content.decode(), re.S
    )[0]


@pytest.fixture
def pet(customer):
    return PetFactory(owner=customer, name="Mochi")


def test_a_pet_renamed_or_updated_shows_in_the_kept_list(doctor_client, pet):
    assert "Mochi" in table(doctor_client, PETS)

    pet.name = "Momo"
    pet.save()
    assert "Momo" in table(doctor_client, PETS)

    Pet.objects.filter(pk=pet.pk).update(name="Mimi")
    assert "Mimi" in table(doctor_client, PETS)


def test_a_renamed_owner_and_a_new_alert_show_in_the_kept_visits_list(
    doctor_client, doctor, pet, customer
):
    make_visit(pet, state=State.CONFIRMED)
    assert "Mochi" in table(doctor_client, VISITS)

    alert_set(pet=pet, by=doctor, kind="allergy", text="Penicillin")
    assert "Penicillin" in table(doctor_client, VISITS)

    customer.display_name = "Alice Renamed"
    customer.save()
    assert "Alice Renamed" in table(doctor_client, VISITS)


def row_of(text, name):
    """The table's row of `name` (another row's role must not answer)."""
    return re.search(rf"<tr>(?:(?!</tr>).)*>{name}</a>.*?</tr>", text, re.S)[0]


def test_a_new_role_shows_in_the_kept_users_list(doctor_client):
    colleague = UserFactory(username="sam")
    assert ">customer<" in row_of(table(doctor_client, USERS), "sam")

    accounts_services.user_promote_to_doctor(user=colleague)

    assert ">doctor<" in row_of(table(doctor_client, USERS), "sam")


def test_the_kept_table_is_the_one_django_draws(doctor_client, pet, settings):
    make_visit(pet, state=State.CONFIRMED)
    for url in (PETS, USERS, VISITS):
        table(doctor_client, url)
        kept = table(doctor_client, url)
        settings.GENERATIONS_CACHED = False
        assert table(doctor_client, url) == kept
        settings.GENERATIONS_CACHED = True


def test_a_list_with_a_query_string_is_never_kept(doctor_client, pet, monkeypatch):
    kept = []
    keep = cache.set

    def spy(key, value, *args, **kwargs):
        kept.append(key)
        return keep(key, value, *args, **kwargs)

    monkeypatch.setattr(cache, "set", spy)
    table(doctor_client, PETS, q="Mochi")
    table(doctor_client, PETS, o="2")
    assert not [key for key in kept if key.startswith("page-part:changelist")]

    table(doctor_client, PETS)
    assert [key for key in kept if key.startswith("page-part:changelist")]


def logged_looks(doctor):
    return sorted(
        AccessLog.objects.filter(actor=doctor, view=AccessView.LIST).values_list(
            "kind", "object_id", "customer_id"
        )
    )


@pytest.mark.parametrize(
    ("url", "row_column"),
    [(VISITS, '"reservations_reservation"."symptoms"'), (PETS, '"pets_pet"."notes"')],
)
def test_a_kept_list_reads_no_rows_and_logs_every_look(
    doctor_client, doctor, customer, pet, url, row_column
):
    other_owner = UserFactory(username="bob")
    other_pet = PetFactory(owner=other_owner, name="Rex")
    visits = [make_visit(pet, state=State.CONFIRMED), make_visit(other_pet)]
    drawn = table(doctor_client, url)
    first_look = logged_looks(doctor)
    if url == VISITS:
        assert first_look == sorted(
            ("visit", visit.pk, visit.pet.owner_id) for visit in visits
        )
    else:
        assert first_look == [
            ("pet", pet.pk, customer.pk),
            ("pet", other_pet.pk, other_owner.pk),
        ]

    with CaptureQueriesContext(connection) as queries:
        kept = table(doctor_client, url)

    assert kept == drawn
    assert not [q for q in queries.captured_queries if row_column in q["sql"]]
    # The same rows again: a look is logged each time.
    assert logged_looks(doctor) == sorted(first_look * 2)
