import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from accounts.validators import USERNAME_FORMAT_ERROR

URL = reverse("accounts:live-check")


@pytest.mark.django_db
def test_a_free_username_is_valid(client):
    response = client.post(URL, {"field": "username", "value": "freshname"})

    assert response.json() == {"field": "username", "valid": True, "errors": []}


@pytest.mark.django_db
def test_a_taken_username_is_reported(client, customer):
    response = client.post(URL, {"field": "username", "value": "Alice"})

    body = response.json()
    assert body["valid"] is False
    assert body["errors"]


@pytest.mark.django_db
def test_a_malformed_username_gets_the_format_message(client):
    response = client.post(URL, {"field": "username", "value": "no spaces"})

    assert str(USERNAME_FORMAT_ERROR) in response.json()["errors"]


@pytest.mark.django_db
def test_a_taken_email_is_reported(client, customer):
    response = client.post(URL, {"field": "email", "value": "alice@example.com"})

    assert response.json()["valid"] is False


@pytest.mark.django_db
def test_a_malformed_email_is_reported(client):
    response = client.post(URL, {"field": "email", "value": "not-an-email"})

    assert response.json()["valid"] is False


@pytest.mark.django_db
def test_the_messages_follow_the_language(client):
    response = client.post(
        URL, {"field": "username", "value": "a b"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert "字符" in response.json()["errors"][0]


@pytest.mark.django_db
def test_only_username_and_email_can_be_checked(client):
    response = client.post(URL, {"field": "password1", "value": "secret"})

    assert response.status_code == 400


@pytest.mark.django_db
def test_overlong_values_are_refused(client):
    response = client.post(URL, {"field": "email", "value": "a" * 300})

    assert response.status_code == 400


@pytest.mark.django_db
def test_get_is_not_allowed(client):
    assert client.get(URL, {"field": "username", "value": "x"}).status_code == 405


@pytest.mark.django_db
def test_checks_are_rate_limited_per_address(client):
    statuses = [
        client.post(URL, {"field": "username", "value": f"name{n}"}).status_code
        for n in range(31)
    ]

    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


@pytest.mark.django_db
def test_a_username_taken_in_another_unicode_spelling_is_reported(client):
    UserFactory(username="\u8c48\u8c48\u8c48")

    response = client.post(URL, {"field": "username", "value": "\uf900\uf900\uf900"})

    assert response.json()["valid"] is False
