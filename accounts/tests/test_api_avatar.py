"""The owner's avatar in the API: the profile page's form and pipeline."""

import pytest
from PIL import Image

from accounts.tests.api import app_login
from core.images import IMAGE_FORMAT_ERROR
from core.tests.images import jpeg_with_gps, text_named_png

pytestmark = pytest.mark.django_db

URL = "/api/v1/profile/avatar/"


def test_owner_uploads_reads_and_removes_the_avatar(client, customer, token):
    response = client.post(URL, {"avatar": jpeg_with_gps()}, HTTP_X_SESSION_TOKEN=token)

    assert response.status_code == 200
    assert response.json()["has_avatar"] is True
    customer.refresh_from_db()
    with customer.avatar.open("rb") as stored:
        image = Image.open(stored)
        assert image.format == "WEBP"
        assert not image.getexif()
    served = client.get(URL + "?size=thumbnail", HTTP_X_SESSION_TOKEN=token)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/webp"

    assert client.delete(URL, HTTP_X_SESSION_TOKEN=token).status_code == 204
    customer.refresh_from_db()
    assert not customer.avatar
    assert client.get(URL, HTTP_X_SESSION_TOKEN=token).json()["code"] == "not_found"


def test_a_file_that_is_not_an_image_is_refused(client, customer, token):
    response = client.post(
        URL, {"avatar": text_named_png()}, HTTP_X_SESSION_TOKEN=token
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"avatar": [str(IMAGE_FORMAT_ERROR)]}
    customer.refresh_from_db()
    assert not customer.avatar


def test_each_owner_sees_only_their_own_avatar(client, customer, other_customer):
    client.post(
        URL,
        {"avatar": jpeg_with_gps()},
        HTTP_X_SESSION_TOKEN=app_login(client, customer),
    )

    response = client.get(URL, HTTP_X_SESSION_TOKEN=app_login(client, other_customer))

    assert response.status_code == 404


def test_anonymous_gets_401_for_the_avatar(client, customer):
    assert client.get(URL).status_code == 401
    assert client.post(URL, {"avatar": jpeg_with_gps()}).status_code == 401
    assert client.delete(URL).status_code == 401
