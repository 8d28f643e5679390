"""Queries per page within issue 14's bounds: at most 10 for a customer's
page, 8 for a changelist, however many rows they show (counted, not timed:
bench/reservations.py has the figures)."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from pets.tests.factories import PetFactory
from reservations.tests.factories import make_visit, tomorrow_at

CUSTOMER_PAGE_QUERIES = 10
CHANGELIST_QUERIES = 8

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[1, 20], ids=["1 visit", "20 visits"])
def visits(request, customer):
    # One pet a visit: a pet has one coming visit at a time.
    pets = PetFactory.create_batch(request.param, owner=customer)
    return [
        make_visit(pet, starts_at=tomorrow_at(8 + n // 4, 15 * (n % 4)))
        for n, pet in enumerate(pets)
    ]


@pytest.mark.parametrize(
    "page", ["reservations:new", "reservations:list"], ids=["booking", "my visits"]
)
def test_a_customer_page(customer_client, visits, page, django_assert_max_num_queries):
    customer_client.get(reverse(page))  # the navbar's counts are cached since
    with django_assert_max_num_queries(CUSTOMER_PAGE_QUERIES):
        response = customer_client.get(reverse(page))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "changelist",
    [
        "admin:reservations_reservation_changelist",
        "admin:reservations_queue",
        "admin:pets_pet_changelist",
        "admin:accounts_user_changelist",
    ],
    ids=["visits", "queue", "pets", "users"],
)
@pytest.mark.parametrize("who", ["doctor", "superuser"])
def test_a_changelist(
    client, doctor, admin_user, who, visits, changelist, django_assert_max_num_queries
):
    # More users than a page holds (50): the users list counts them too.
    UserFactory.create_batch(60)
    client.force_login(doctor if who == "doctor" else admin_user)
    client.get(reverse(changelist))  # the session's second factor, once
    with django_assert_max_num_queries(CHANGELIST_QUERIES):
        response = client.get(reverse(changelist))
    assert response.status_code == 200
