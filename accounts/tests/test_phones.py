"""Doctors find people by phone however the number was typed, on both sides."""

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.phones import search_digits, with_phone
from accounts.tests.factories import UserFactory
from pets.tests.factories import PetFactory
from reservations.tests.factories import make_visit, tomorrow_at

TYPED = [
    "13800138000",
    "138 0013 8000",
    "138-0013-8000",
    "138.0013.8000",
    "(138) 0013 8000",
    "+86 138 0013 8000",
    "0086 138-0013-8000",
    "+8613800138000",
]
STORED = ["13800138000", "138 0013 8000", "138-0013-8000", "+86 138-0013-8000"]


def results(client, url, term):
    response = client.get(url, {"q": term})
    assert response.status_code == 200
    return response.context["cl"].result_list


@pytest.mark.django_db
@pytest.mark.parametrize("stored", STORED)
@pytest.mark.parametrize("term", TYPED)
def test_the_visit_list_finds_an_owner_by_phone_whatever_the_spacing(
    doctor_client, stored, term
):
    owner = UserFactory(phone=stored)
    make_visit(PetFactory(owner=owner, name="Biscuit"), starts_at=tomorrow_at(10))
    make_visit(PetFactory(owner=UserFactory(phone="139 0000 0000"), name="Other"))

    found = results(
        doctor_client, reverse("admin:reservations_reservation_changelist"), term
    )

    assert [visit.pet.name for visit in found] == ["Biscuit"]


@pytest.mark.django_db
@pytest.mark.parametrize("term", ["138 0013 8000", "+86 13800138000", "0013-8000"])
def test_the_pet_and_user_lists_find_by_phone_whatever_the_spacing(doctor_client, term):
    owner = UserFactory(username="alice", phone="138-0013-8000")
    PetFactory(owner=owner, name="Biscuit")
    PetFactory(owner=UserFactory(username="bob", phone="+44 20 7946 0018"))

    pets = results(doctor_client, reverse("admin:pets_pet_changelist"), term)
    users = results(doctor_client, reverse("admin:accounts_user_changelist"), term)

    assert [pet.name for pet in pets] == ["Biscuit"]
    assert [user.username for user in users] == ["alice"]


@pytest.mark.django_db
def test_other_searches_still_work_and_a_number_finds_nobody_else(doctor_client):
    UserFactory(username="alice", display_name="Alice", phone="138 0013 8000")
    UserFactory(username="short", phone="123456")
    url = reverse("admin:accounts_user_changelist")

    def names(term):
        return sorted(user.username for user in results(doctor_client, url, term))

    assert names("Alice") == ["alice"]
    assert names("13900139000") == []
    # A short stored number does not end every international term.
    assert names("+86 999 123456") == []
    assert names("123456") == ["short"]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("138 0013 8000", ("13800138000", False)),
        ("+86 (138) 0013-8000", ("8613800138000", True)),
        ("0086 138.0013.8000", ("8613800138000", True)),
        ("123", None),  # too few digits to mean a phone
        ("Alice 138", None),
        ("", None),
        ("\x00138001", None),
    ],
)
def test_only_a_term_that_is_a_phone_number_is_searched_by_digits(term, expected):
    assert search_digits(term) == expected


@pytest.mark.django_db
def test_the_digits_are_compared_in_the_database(django_assert_num_queries):
    UserFactory(username="alice", phone="(138) 0013-8000")

    with django_assert_num_queries(1):
        found = list(with_phone(User.objects.all(), "1380013 8000"))

    assert [user.username for user in found] == ["alice"]
