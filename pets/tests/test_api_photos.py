"""Pet photos in the API: uploaded through the site's image pipeline, served
to the owner's token only."""

import pytest
from PIL import Image

from accounts.tests.api import app_login
from core.images import IMAGE_FORMAT_ERROR
from core.tests.images import jpeg_with_gps, text_named_png
from pets.tests.factories import PetFactory

pytestmark = pytest.mark.django_db


def url(pet, query=""):
    return f"/api/v1/pets/{pet.pk}/photo/{query}"


def upload(client, pet, token, file):
    headers = {"HTTP_X_SESSION_TOKEN": token} if token else {}
    return client.post(url(pet), {"photo": file}, **headers)


def test_owner_uploads_a_photo_stored_reencoded_without_gps(client, customer, token):
    pet = PetFactory(owner=customer)

    response = upload(client, pet, token, jpeg_with_gps())

    assert response.status_code == 200
    assert response.json()["has_photo"] is True
    pet.refresh_from_db()
    assert all((pet.photo, pet.photo_medium, pet.photo_thumbnail))
    served = client.get(url(pet, "?size=thumbnail"), HTTP_X_SESSION_TOKEN=token)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/webp"
    with pet.photo.open("rb") as stored:
        image = Image.open(stored)
        assert image.format == "WEBP"
        assert not image.getexif()


def test_a_file_that_is_not_an_image_is_refused_and_nothing_stored(
    client, customer, token
):
    pet = PetFactory(owner=customer)

    response = upload(client, pet, token, text_named_png())

    assert response.status_code == 400
    assert response.json()["fields"] == {"photo": [str(IMAGE_FORMAT_ERROR)]}
    pet.refresh_from_db()
    assert not pet.photo


def test_no_photo_yet_answers_404_in_the_error_shape(client, customer, token):
    pet = PetFactory(owner=customer)

    response = client.get(url(pet), HTTP_X_SESSION_TOKEN=token, HTTP_ACCEPT="image/*")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_another_customers_pet_photo_answers_404(client, other_customer, token):
    theirs = PetFactory(owner=other_customer)
    upload(client, theirs, app_login(client, other_customer), jpeg_with_gps())

    assert client.get(url(theirs), HTTP_X_SESSION_TOKEN=token).status_code == 404
    assert upload(client, theirs, token, jpeg_with_gps()).status_code == 404


def test_anonymous_gets_401_for_a_photo(client, customer):
    pet = PetFactory(owner=customer)

    assert client.get(url(pet)).status_code == 401
    assert upload(client, pet, None, jpeg_with_gps()).status_code == 401
    pet.refresh_from_db()
    assert not pet.photo
