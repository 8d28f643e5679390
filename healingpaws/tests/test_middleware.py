"""Text no database can store is refused at the door (400), not by a 500.

PostgreSQL refuses a NUL in text (DataError) and no database encodes a lone
surrogate; SQLite stores a NUL, so there these requests answered 200 with
nothing found. On both they must answer the 400 page and touch nothing.
"""

import json

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from healingpaws.middleware import UNSTORABLE_INPUT_ERROR

REFUSED_TEXT = "cannot be accepted"


def _refused(response):
    assert response.status_code == 400
    assert REFUSED_TEXT in response.content.decode()
    return True


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "state__exact=%00",
        "triage__exact=%00",
        "q=%00",
        "q=Rex%00",
        "%00=1",
    ],
)
def test_a_nul_in_the_visit_lists_filters_or_search_is_refused(doctor_client, query):
    url = reverse("admin:reservations_reservation_changelist")

    assert _refused(doctor_client.get(f"{url}?{query}"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "admin_url",
    [
        "admin:accounts_user_changelist",
        "admin:pets_pet_changelist",
        "admin:consultation_thread_changelist",
    ],
)
def test_a_nul_in_any_admin_search_is_refused(admin_client, admin_url):
    assert _refused(admin_client.get(reverse(admin_url) + "?q=%00"))


@pytest.mark.django_db
def test_a_nul_in_the_owner_autocomplete_is_refused(admin_client):
    query = "term=%00&app_label=pets&model_name=pet&field_name=owner"

    assert _refused(admin_client.get(f"{reverse('admin:autocomplete')}?{query}"))


@pytest.mark.django_db
def test_an_ordinary_search_still_works(doctor_client):
    url = reverse("admin:reservations_reservation_changelist")

    assert doctor_client.get(f"{url}?q=Rex").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page", ["reservations:new", "reservations:list", "pets:list", "home"]
)
def test_a_nul_in_a_public_pages_query_is_refused_in_the_visitors_language(
    customer_client, page
):
    response = customer_client.get(
        reverse(page) + "?date=%00&pet=%00", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert response.status_code == 400
    assert '<html lang="zh-hans">' in response.content.decode()


@pytest.mark.django_db
def test_the_slots_endpoint_refuses_a_nul_date(customer_client):
    response = customer_client.get(reverse("reservations:slots") + "?date=2030-01-0%00")

    assert _refused(response)


@pytest.mark.django_db
def test_a_nul_in_a_posted_form_is_refused_and_changes_nothing(customer_client):
    response = customer_client.post(
        reverse("accounts:profile"), {"display_name": "Al\x00ice", "phone": ""}
    )

    assert _refused(response)


@pytest.mark.django_db
def test_a_nul_in_the_session_cookie_is_refused():
    """The session key goes to the database as it comes (a DataError on
    PostgreSQL for every page); a cookie can carry a NUL as an octal escape."""
    cookie = 'sessionid="abcdefgh\\000ijkl"'

    assert _refused(Client().get(reverse("home"), HTTP_COOKIE=cookie))


@pytest.mark.django_db
def test_a_nul_in_the_path_is_refused(client):
    assert _refused(client.get("/pets/%00/"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        '{"band": "standard\\u0000", "order": [1]}',
        '{"band": "\\ud800", "order": [1]}',
        '{"band": "standard", "order": [1], "\\u0000": 1}',
        "[" * 5000 + "]" * 5000,
    ],
)
def test_json_the_database_cannot_store_or_too_deep_to_read_is_refused(
    doctor_client, body
):
    response = doctor_client.post(
        reverse("admin:reservations_queue_reorder"),
        body,
        content_type="application/json",
    )

    assert _refused(response)


@pytest.mark.django_db
def test_a_lone_surrogate_in_a_query_string_is_only_replacement_characters(
    customer_client,
):
    """Django decodes bad UTF-8 in query strings to U+FFFD: nothing to refuse,
    and the page answers as for any unknown value."""
    response = customer_client.get(reverse("reservations:slots") + "?date=%ED%A0%80")

    assert response.status_code == 400
    assert response.json()["errors"] == ["Give a date as YYYY-MM-DD."]


def test_the_refusal_names_what_was_wrong():
    assert REFUSED_TEXT in str(UNSTORABLE_INPUT_ERROR)


@pytest.mark.django_db
def test_a_nul_free_json_body_reaches_the_view(doctor_client):
    response = doctor_client.post(
        reverse("admin:reservations_queue_reorder"),
        json.dumps({"band": "standard", "order": [999999]}),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert REFUSED_TEXT not in response.content.decode()
    assert "error" in response.json()


@pytest.mark.django_db
def test_a_signed_in_user_is_refused_before_anything_is_looked_up(
    django_assert_num_queries,
):
    browser = Client()
    browser.force_login(UserFactory())

    with django_assert_num_queries(0):
        response = browser.get(reverse("pets:list") + "?archived=%00")

    assert _refused(response)
