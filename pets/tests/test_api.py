"""The owner's pets in the API: the same rules as "My pets" and its forms."""

import base64
import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.tests.api import app_login, call
from pets.models import BIRTH_DATE_IN_FUTURE_ERROR, Pet
from pets.tests.factories import PetFactory

pytestmark = pytest.mark.django_db


LIST = "/api/v1/pets/"


def detail(pet, action=""):
    return f"/api/v1/pets/{pet.pk}/{action + '/' if action else ''}"


def test_owner_adds_a_pet(client, customer, token):
    response = call(
        client,
        "post",
        LIST,
        token,
        {
            "name": "Mochi",
            "species": "cat",
            "birth_date": "2022-05-01",
            "weight_kg": "4.20",
        },
    )

    assert response.status_code == 201
    pet = Pet.objects.get(owner=customer)
    assert (pet.name, pet.species, pet.sex) == ("Mochi", "cat", "unknown")
    assert str(pet.weight_kg) == "4.20"
    assert response.json()["id"] == pet.pk
    assert response.json()["is_archived"] is False


def test_bad_pet_gets_field_errors_and_nothing_is_created(client, customer, token):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = call(
        client,
        "post",
        LIST,
        token,
        {"name": "Mochi", "species": "cat", "birth_date": tomorrow.isoformat()},
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Check the fields marked below.",
        "fields": {"birth_date": [str(BIRTH_DATE_IN_FUTURE_ERROR)]},
    }
    assert not Pet.objects.filter(owner=customer).exists()


def test_one_answer_names_every_field_to_correct(client, customer, token):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = call(
        client,
        "post",
        LIST,
        token,
        {"name": "Mochi", "species": "dragon", "birth_date": tomorrow.isoformat()},
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"species", "birth_date"}
    assert not Pet.objects.exists()


def test_name_and_species_are_required(client, customer, token):
    response = call(client, "post", LIST, token, {"breed": "Beagle"})

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"name", "species"}
    assert not Pet.objects.exists()


def test_list_shows_the_owners_current_pets_only(client, customer, token):
    mine = PetFactory(owner=customer, name="Bao")
    PetFactory(owner=customer, name="Old", archived_at=timezone.now())
    PetFactory(name="Someone else's")

    body = call(client, "get", LIST, token).json()

    assert [pet["name"] for pet in body["results"]] == [mine.name]
    archived = call(client, "get", LIST + "?archived=true", token).json()
    assert [pet["name"] for pet in archived["results"]] == ["Old"]


def test_list_pages_with_a_cursor(client, customer, token):
    for n in range(30):
        PetFactory(owner=customer, name=f"Pet {n:02}")

    first = call(client, "get", LIST, token).json()
    second = call(client, "get", first["next"], token).json()

    names = [pet["name"] for pet in first["results"] + second["results"]]
    assert names == [f"Pet {n:02}" for n in range(30)]
    assert second["next"] is None
    assert "cursor=" in first["next"]


def test_list_queries_do_not_grow_with_the_pets(client, customer, token):
    PetFactory(owner=customer)
    with CaptureQueriesContext(connection) as one:
        call(client, "get", LIST, token)
    PetFactory.create_batch(49, owner=customer)
    with CaptureQueriesContext(connection) as fifty:
        response = call(client, "get", LIST, token)

    assert len(response.json()["results"]) == 25
    assert len(fifty) == len(one)


def test_owner_changes_only_the_fields_sent(client, customer, token):
    pet = PetFactory(owner=customer, name="Bao", breed="Beagle")

    response = call(client, "patch", detail(pet), token, {"name": "Bao Bao"})

    assert response.status_code == 200
    pet.refresh_from_db()
    assert (pet.name, pet.breed) == ("Bao Bao", "Beagle")


def test_bad_change_changes_nothing(client, customer, token):
    pet = PetFactory(owner=customer, name="Bao")

    response = call(
        client, "patch", detail(pet), token, {"name": "Bao 2", "weight_kg": "0.00"}
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"weight_kg"}
    pet.refresh_from_db()
    assert (pet.name, pet.weight_kg) == ("Bao", None)


def test_owner_archives_and_restores_a_pet(client, customer, token):
    pet = PetFactory(owner=customer)

    response = call(client, "post", detail(pet, "archive"), token)

    assert response.status_code == 200
    assert response.json()["is_archived"] is True
    pet.refresh_from_db()
    assert pet.archived_at is not None
    call(client, "post", detail(pet, "restore"), token)
    pet.refresh_from_db()
    assert pet.archived_at is None


@pytest.mark.parametrize(
    ("method", "action", "data"),
    [
        ("get", "", None),
        ("patch", "", {"name": "Mine now"}),
        ("post", "archive", None),
        ("post", "restore", None),
    ],
)
def test_another_customers_pet_answers_404(client, token, method, action, data):
    theirs = PetFactory(name="Theirs", archived_at=None)

    response = call(client, method, detail(theirs, action), token, data)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "Theirs" not in response.content.decode()
    theirs.refresh_from_db()
    assert (theirs.name, theirs.archived_at) == ("Theirs", None)


@pytest.mark.parametrize(
    ("method", "action"),
    [("get", ""), ("patch", ""), ("post", "archive"), ("post", "restore")],
)
def test_anonymous_gets_401_on_a_pet(client, customer, method, action):
    pet = PetFactory(owner=customer)

    response = call(client, method, detail(pet, action))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_anonymous_cannot_list_or_add(client):
    assert call(client, "get", LIST).status_code == 401
    assert (
        call(client, "post", LIST, None, {"name": "x", "species": "cat"}).status_code
        == 401
    )
    assert not Pet.objects.exists()


def test_a_forged_cursor_with_a_nul_is_refused_not_a_crash(client, customer, token):
    PetFactory(owner=customer)
    forged = base64.b64encode(b"p=Bao%00&o=0").decode()

    response = call(client, "get", f"{LIST}?cursor={forged}", token)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_api_writes_need_no_csrf_token_with_a_session_token(customer):
    # The app sends no cookie, so no CSRF token: the session token is its proof.
    client = Client(enforce_csrf_checks=True)
    token = app_login(client, customer)

    response = call(client, "post", LIST, token, {"name": "Mochi", "species": "cat"})

    assert response.status_code == 201


def test_field_errors_come_in_the_requesters_language(client, customer, token):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = call(
        client,
        "post",
        LIST,
        token,
        {"name": "Mochi", "species": "cat", "birth_date": tomorrow.isoformat()},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    with translation.override("zh-hans"):
        chinese = str(BIRTH_DATE_IN_FUTURE_ERROR)
    with translation.override("en"):
        assert chinese != str(BIRTH_DATE_IN_FUTURE_ERROR)
    assert response.json()["fields"] == {"birth_date": [chinese]}
