import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.validators import PHONE_FORMAT_ERROR
from core.images import IMAGE_BROKEN_ERROR
from core.tests import images as samples

PROFILE_URL = reverse("accounts:profile")


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(PROFILE_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_a_customer_edits_their_profile(customer_client, customer):
    response = customer_client.post(
        PROFILE_URL,
        {
            "display_name": "Alice M.",
            "phone": "+44 20 7946 0018",
            "preferred_language": "zh-hans",
        },
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.display_name == "Alice M."
    assert customer.phone == "+44 20 7946 0018"
    assert customer.preferred_language == "zh-hans"
    assert customer_client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["12", "call me", "+1 555 <script>", "9" * 25])
def test_a_bad_phone_number_is_refused_with_a_message(customer_client, customer, phone):
    response = customer_client.post(
        PROFILE_URL,
        {"display_name": "A", "phone": phone, "preferred_language": "en"},
    )

    assert response.status_code == 200
    errors = response.context["form"].errors["phone"]
    assert str(PHONE_FORMAT_ERROR) in errors or "at most" in errors[0]
    customer.refresh_from_db()
    assert customer.phone == ""


@pytest.mark.django_db
def test_the_profile_page_shows_generated_initials_until_an_avatar_exists(
    customer_client, customer
):
    customer.display_name = "Alice Morgan"
    customer.save()

    html = customer_client.get(PROFILE_URL).content.decode()

    assert ">AM</span>" in html


@pytest.mark.django_db
def test_an_uploaded_avatar_is_re_encoded_and_shown(customer_client, customer):
    response = customer_client.post(
        reverse("accounts:avatar-upload"), {"avatar": samples.jpeg_with_gps()}
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.avatar.name.endswith(".webp")
    assert "photo" not in customer.avatar.name
    with customer.avatar.open() as stored:
        image = Image.open(stored)
        assert image.format == "WEBP"
        assert not image.getexif()
    html = customer_client.get(PROFILE_URL).content.decode()
    assert reverse("accounts:avatar", args=[customer.pk]) in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "make", [samples.svg, samples.text_named_png, samples.huge_png_bomb, samples.gif]
)
def test_hostile_avatars_are_refused_with_a_message(customer_client, customer, make):
    response = customer_client.post(
        reverse("accounts:avatar-upload"), {"avatar": make()}
    )

    assert response.status_code == 400
    assert response.context["avatar_form"].errors["avatar"]
    customer.refresh_from_db()
    assert not customer.avatar


@pytest.mark.django_db
def test_a_new_avatar_replaces_the_old_files(
    customer_client, customer, django_capture_on_commit_callbacks
):
    upload_url = reverse("accounts:avatar-upload")
    with django_capture_on_commit_callbacks(execute=True):
        customer_client.post(upload_url, {"avatar": samples.png()})
    customer.refresh_from_db()
    old_name = customer.avatar.name
    storage = customer.avatar.storage

    with django_capture_on_commit_callbacks(execute=True):
        customer_client.post(upload_url, {"avatar": samples.webp()})

    customer.refresh_from_db()
    assert customer.avatar.name != old_name
    assert not storage.exists(old_name)
    assert storage.exists(customer.avatar.name)


@pytest.mark.django_db
def test_removing_the_avatar_goes_back_to_initials(
    customer_client, customer, django_capture_on_commit_callbacks
):
    customer_client.post(reverse("accounts:avatar-upload"), {"avatar": samples.png()})
    customer.refresh_from_db()
    name = customer.avatar.name

    with django_capture_on_commit_callbacks(execute=True):
        customer_client.post(reverse("accounts:avatar-remove"))

    customer.refresh_from_db()
    assert not customer.avatar
    assert not customer.avatar.storage.exists(name)


@pytest.fixture
def customer_with_avatar(customer, client):
    client.force_login(customer)
    client.post(reverse("accounts:avatar-upload"), {"avatar": samples.png()})
    client.logout()
    customer.refresh_from_db()
    return customer


@pytest.mark.django_db
@pytest.mark.parametrize("route", ["accounts:avatar", "accounts:avatar-thumbnail"])
def test_the_owner_and_doctors_see_a_customers_avatar(
    client, customer_with_avatar, doctor, route
):
    url = reverse(route, args=[customer_with_avatar.pk])
    for viewer in (customer_with_avatar, doctor):
        client.force_login(viewer)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/webp"
        assert "private" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("route", ["accounts:avatar", "accounts:avatar-thumbnail"])
def test_another_customer_cannot_see_a_customers_avatar(
    client, customer_with_avatar, other_customer, route
):
    client.force_login(other_customer)

    response = client.get(reverse(route, args=[customer_with_avatar.pk]))

    assert response.status_code == 404


@pytest.mark.django_db
def test_anonymous_visitors_cannot_see_avatars(client, customer_with_avatar):
    response = client.get(reverse("accounts:avatar", args=[customer_with_avatar.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_customers_see_doctors_avatars(client, doctor, other_customer):
    client.force_login(doctor)
    client.post(reverse("accounts:avatar-upload"), {"avatar": samples.png()})
    client.force_login(other_customer)

    response = client.get(reverse("accounts:avatar-thumbnail", args=[doctor.pk]))

    assert response.status_code == 200


@pytest.mark.django_db
def test_a_user_without_an_avatar_has_no_avatar_url(customer_client, customer):
    response = customer_client.get(reverse("accounts:avatar", args=[customer.pk]))

    assert response.status_code == 404


@pytest.mark.django_db
def test_an_avatar_damaged_past_its_header_is_refused_with_a_message(
    customer_client, customer
):
    data = samples.png(size=(300, 300)).read()
    truncated = SimpleUploadedFile("cut.png", data[: len(data) // 2], "image/png")

    response = customer_client.post(
        reverse("accounts:avatar-upload"), {"avatar": truncated}
    )

    assert response.status_code == 400
    assert response.context["avatar_form"].errors["avatar"] == [str(IMAGE_BROKEN_ERROR)]
    customer.refresh_from_db()
    assert not customer.avatar


# --- upload progress (static/js/upload-progress.js) ------------------------

XHR = {"X-Requested-With": "XMLHttpRequest"}


@pytest.mark.django_db
def test_the_avatar_form_has_an_upload_progress_bar_and_its_script(customer_client):
    page = customer_client.get(PROFILE_URL).content.decode()

    assert 'data-upload-progress data-testid="avatar-form"' in page
    assert "<progress" in page
    assert "data-upload-progress-error" in page
    assert "/static/js/upload-progress.js" in page


@pytest.mark.django_db
def test_the_upload_script_gets_where_to_go_as_json(customer_client, customer):
    response = customer_client.post(
        reverse("accounts:avatar-upload"), {"avatar": samples.png()}, headers=XHR
    )

    assert response.status_code == 200
    assert response.json() == {"redirect": PROFILE_URL}
    customer.refresh_from_db()
    assert customer.avatar


@pytest.mark.django_db
def test_the_upload_script_gets_a_refused_avatars_errors_as_json(
    customer_client, customer
):
    response = customer_client.post(
        reverse("accounts:avatar-upload"),
        {"avatar": samples.jpeg_with_crafted_exif()},
        headers=XHR,
    )

    assert response.status_code == 400
    assert response.json() == {"errors": {"avatar": [str(IMAGE_BROKEN_ERROR)]}}
    customer.refresh_from_db()
    assert not customer.avatar
