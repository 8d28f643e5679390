import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from core.images import IMAGE_FORMAT_ERROR, IMAGE_TOO_MANY_PIXELS_ERROR
from core.tests import images as samples
from pets import services
from pets.models import Pet, Species
from pets.tests.factories import DoctorNoteFactory, PetFactory
from reservations.models import State
from reservations.services import reservation_transition
from reservations.tests.factories import book, make_visit, today_at

BACKGROUND = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def pet_data(**overrides):
    data = {
        "name": "Luna",
        "species": Species.CAT,
        "breed": "Siamese",
        "sex": "female",
        "birth_date": "2022-05-01",
        "weight_kg": "3.8",
        "notes": "Allergic to penicillin.",
    }
    return {**data, **overrides}


@pytest.fixture
def pet(customer):
    return services.pet_create(
        owner=customer, name="Rex", species=Species.DOG, photo=samples.png()
    )


@pytest.fixture
def other_client(other_customer):
    client = Client()
    client.force_login(other_customer)
    return client


# --- who may open what -----------------------------------------------------------

PET_PAGES = [
    "pets:detail",
    "pets:edit",
    "pets:archive",
    "pets:photo",
    "pets:photo-medium",
    "pets:photo-thumbnail",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["pets:list", "pets:new"])
def test_anonymous_visitors_are_sent_to_login_from_the_pet_pages(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", [*PET_PAGES, "pets:restore"])
def test_anonymous_visitors_are_sent_to_login_from_a_pet(client, pet, name):
    response = client.get(reverse(name, args=[pet.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", PET_PAGES)
def test_the_owner_opens_every_page_of_their_pet(customer_client, pet, name):
    response = customer_client.get(reverse(name, args=[pet.pk]))

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", PET_PAGES)
def test_another_customer_gets_404_for_every_page_of_a_pet(other_client, pet, name):
    assert other_client.get(reverse(name, args=[pet.pk])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["pets:edit", "pets:archive", "pets:restore"])
def test_another_customer_changes_nothing_by_posting(other_client, pet, name):
    if name == "pets:restore":
        services.pet_archive(pet=pet)

    response = other_client.post(reverse(name, args=[pet.pk]), pet_data(name="Stolen"))

    assert response.status_code == 404
    pet.refresh_from_db()
    assert pet.name == "Rex"
    assert pet.is_archived == (name == "pets:restore")


@pytest.mark.django_db
def test_an_unknown_pet_id_is_404_like_anybody_elses(customer_client, pet):
    for pk in (pet.pk + 1000, 0):
        assert customer_client.get(f"/pets/{pk}/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["pets:detail", "pets:photo", "pets:photo-medium", "pets:photo-thumbnail"]
)
def test_a_doctor_sees_a_customers_pet_and_its_photos(doctor_client, pet, name):
    assert doctor_client.get(reverse(name, args=[pet.pk])).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["pets:edit", "pets:archive"])
def test_a_doctor_cannot_edit_or_archive_from_the_public_site(doctor_client, pet, name):
    url = reverse(name, args=[pet.pk])

    assert doctor_client.post(url, pet_data(name="Changed")).status_code == 404
    pet.refresh_from_db()
    assert pet.name == "Rex"
    assert not pet.is_archived


# --- My pets -----------------------------------------------------------------------


@pytest.mark.django_db
def test_my_pets_invites_to_add_the_first_pet(customer_client):
    response = customer_client.get(reverse("pets:list"))

    assert b'data-testid="empty-pets"' in response.content
    assert reverse("pets:new").encode() in response.content


@pytest.mark.calendar  # the age
@pytest.mark.django_db
def test_my_pets_lists_own_active_pets_with_thumbnail_species_and_age(
    customer_client, customer, other_customer, pet
):
    PetFactory(owner=customer, name="Gone", archived_at=timezone.now())
    PetFactory(owner=other_customer, name="Not mine")

    response = customer_client.get(reverse("pets:list"))

    html = response.content.decode()
    assert list(response.context["pets"]) == [pet]
    assert reverse("pets:photo-thumbnail", args=[pet.pk]) in html
    assert "Dog" in html
    assert "Gone" not in html
    assert "Not mine" not in html
    assert "1 archived pet" in html


@pytest.mark.django_db
def test_archived_pets_have_their_own_list(customer_client, customer):
    archived = PetFactory(owner=customer, name="Old Tom", archived_at=timezone.now())

    response = customer_client.get(reverse("pets:list") + "?archived=1")

    assert list(response.context["pets"]) == [archived]


@pytest.mark.calendar  # their current visits
@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_my_pets_runs_the_same_queries_for_1_and_50_pets(
    customer_client, customer, django_assert_num_queries, count
):
    PetFactory.create_batch(count, owner=customer)

    # session, user, pets, their current visits, archived count, unread bell,
    # unread consultations
    with django_assert_num_queries(7):
        response = customer_client.get(reverse("pets:list"))
    assert len(response.context["pets"]) == count


# --- adding and editing ------------------------------------------------------------


@pytest.mark.django_db
def test_a_customer_adds_a_pet_with_a_photo(customer_client, customer):
    response = customer_client.post(
        reverse("pets:new"), {**pet_data(), "photo": samples.jpeg_with_gps()}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("pets:list")
    pet = Pet.objects.get()
    assert (pet.owner, pet.name, pet.breed) == (customer, "Luna", "Siamese")
    with Image.open(pet.photo_thumbnail.path) as thumbnail:
        assert thumbnail.format == "WEBP"


@pytest.mark.django_db
def test_a_forged_owner_field_is_ignored(customer_client, customer, other_customer):
    customer_client.post(reverse("pets:new"), pet_data(owner=other_customer.pk))

    assert Pet.objects.get().owner == customer


@pytest.mark.django_db
def test_the_photo_uploader_gets_json_back(customer_client):
    response = customer_client.post(
        reverse("pets:new"), {**pet_data(), "photo": samples.png()}, **BACKGROUND
    )

    assert response.status_code == 200
    assert response.json() == {"redirect": reverse("pets:list")}
    assert Pet.objects.get().photo


@pytest.mark.django_db
def test_the_photo_uploader_gets_field_errors_as_json(customer_client):
    response = customer_client.post(
        reverse("pets:new"), {**pet_data(name=""), "photo": samples.svg()}, **BACKGROUND
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["name"] == ["This field is required."]
    assert errors["photo"] == [str(IMAGE_FORMAT_ERROR)]
    assert not Pet.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sample", "message"),
    [
        (samples.svg, IMAGE_FORMAT_ERROR),
        (samples.gif, IMAGE_FORMAT_ERROR),
        (samples.text_named_png, IMAGE_FORMAT_ERROR),
        (samples.huge_png_bomb, IMAGE_TOO_MANY_PIXELS_ERROR),
    ],
)
def test_hostile_photos_are_refused_with_a_message(customer_client, sample, message):
    response = customer_client.post(
        reverse("pets:new"), {**pet_data(), "photo": sample()}
    )

    assert response.status_code == 400
    assert str(message).split("%")[0] in response.content.decode()
    assert not Pet.objects.exists()


@pytest.mark.django_db
def test_a_photo_with_html_appended_is_stored_clean(customer_client):
    upload, payload = samples.png_with_html_appended()

    customer_client.post(reverse("pets:new"), {**pet_data(), "photo": upload})

    pet = Pet.objects.get()
    for field in (pet.photo, pet.photo_medium, pet.photo_thumbnail):
        with field.open("rb") as stored:
            assert payload not in stored.read()
        assert field.name.endswith(".webp")
        assert "innocent" not in field.name


@pytest.mark.django_db
def test_an_oversized_request_is_refused_before_it_is_read(customer_client, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1000
    big = samples.png(size=(400, 400))

    response = customer_client.post(
        reverse("pets:new"), {**pet_data(), "photo": big}, **BACKGROUND
    )

    assert response.status_code == 413
    assert "too large" in response.json()["errors"]["__all__"][0]
    assert not Pet.objects.exists()


@pytest.mark.calendar  # a birth date in the future
@pytest.mark.django_db
def test_the_form_says_what_is_wrong_without_javascript(customer_client):
    response = customer_client.post(
        reverse("pets:new"), pet_data(name="", weight_kg="-3", birth_date="2999-01-01")
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"name", "weight_kg", "birth_date"}


@pytest.mark.django_db
def test_the_owner_edits_their_pet(customer_client, pet):
    response = customer_client.post(
        reverse("pets:edit", args=[pet.pk]), pet_data(name="Rex the Brave")
    )

    assert response.status_code == 302
    pet.refresh_from_db()
    assert pet.name == "Rex the Brave"
    assert pet.photo, "editing without a new photo keeps the old one"


@pytest.mark.django_db
def test_editing_cannot_move_a_pet_to_another_owner(
    customer_client, customer, other_customer, pet
):
    customer_client.post(
        reverse("pets:edit", args=[pet.pk]), pet_data(owner=other_customer.pk)
    )

    pet.refresh_from_db()
    assert pet.owner == customer


# --- archive ----------------------------------------------------------------------


@pytest.mark.django_db
def test_archiving_asks_first_then_keeps_the_records(customer_client, doctor, pet):
    DoctorNoteFactory(pet=pet, author=doctor)
    url = reverse("pets:archive", args=[pet.pk])

    assert b"Archive Rex?" in customer_client.get(url).content
    response = customer_client.post(url)

    assert response.status_code == 302
    pet.refresh_from_db()
    assert pet.is_archived
    assert pet.doctor_notes.count() == 1
    assert customer_client.get(pet.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_an_archived_pet_can_be_put_back(customer_client, customer):
    pet = PetFactory(owner=customer, archived_at=timezone.now())

    customer_client.post(reverse("pets:restore", args=[pet.pk]))

    pet.refresh_from_db()
    assert not pet.is_archived


@pytest.mark.django_db
def test_restore_only_answers_post(customer_client, customer):
    pet = PetFactory(owner=customer, archived_at=timezone.now())

    assert (
        customer_client.get(reverse("pets:restore", args=[pet.pk])).status_code == 405
    )


# --- the pet page and its timeline -------------------------------------------------


@pytest.mark.django_db
def test_the_owner_sees_shared_notes_but_never_internal_ones(
    customer_client, doctor, pet
):
    DoctorNoteFactory(pet=pet, author=doctor, text="Healing well.")
    DoctorNoteFactory(
        pet=pet, author=doctor, text="Owner seems careless.", visible_to_owner=False
    )

    html = customer_client.get(pet.get_absolute_url()).content.decode()

    assert "Healing well." in html
    assert "Owner seems careless." not in html
    assert "Internal" not in html


@pytest.mark.django_db
def test_a_doctor_sees_internal_notes_marked_as_such(doctor_client, doctor, pet):
    DoctorNoteFactory(
        pet=pet, author=doctor, text="Check kidneys.", visible_to_owner=False
    )

    html = doctor_client.get(pet.get_absolute_url()).content.decode()

    assert "Check kidneys." in html
    assert "Internal" in html


@pytest.mark.calendar  # visits today and 30 days ago
@pytest.mark.django_db
def test_the_timeline_shows_every_visit_with_its_state_changes(
    customer_client, doctor, pet
):
    past = make_visit(pet, starts_at=today_at(9) - datetime.timedelta(days=30))
    reservation_transition(
        reservation=past, to_state=State.CANCELLED, by=doctor, note="Clinic closed."
    )
    current = make_visit(pet, state=State.CONFIRMED)

    response = customer_client.get(pet.get_absolute_url())

    html = response.content.decode()
    visits = [entry.visit for entry in response.context["timeline"] if entry.visit]
    assert visits == [current, past]
    assert response.context["current_visit"] == current
    assert "Clinic closed." in html
    assert past.get_absolute_url() in html


@pytest.mark.calendar  # current visits
@pytest.mark.django_db
def test_a_pet_without_a_current_visit_offers_booking_one(customer_client, pet):
    html = customer_client.get(pet.get_absolute_url()).content.decode()
    assert f"{reverse('reservations:new')}?pet={pet.pk}" in html


@pytest.mark.calendar  # the age
@pytest.mark.django_db
def test_the_pet_page_shows_the_age_in_chinese(customer_client, customer):
    pet = PetFactory(owner=customer)
    customer_client.cookies["django_language"] = "zh-hans"
    customer.preferred_language = "zh-hans"
    customer.save()

    html = customer_client.get(pet.get_absolute_url()).content.decode()

    assert "3 岁" in html


@pytest.mark.django_db
def test_note_text_is_shown_as_text(customer_client, doctor, pet):
    DoctorNoteFactory(pet=pet, author=doctor, text="<script>alert(1)</script>")

    html = customer_client.get(pet.get_absolute_url()).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.django_db
def test_a_photo_is_served_as_webp_privately(customer_client, pet):
    response = customer_client.get(reverse("pets:photo-thumbnail", args=[pet.pk]))

    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"].startswith("private")


@pytest.mark.django_db
def test_a_pet_without_photo_has_no_photo_url(customer_client, customer):
    pet = PetFactory(owner=customer)

    assert customer_client.get(reverse("pets:photo", args=[pet.pk])).status_code == 404
    html = customer_client.get(reverse("pets:list")).content.decode()
    assert "pet-species-dog" in html


@pytest.mark.django_db
def test_customers_land_on_my_pets_after_login(client, customer, password):
    response = client.post(
        reverse("account_login"), {"login": "alice", "password": password}
    )

    assert response["Location"] == reverse("pets:list")


@pytest.mark.calendar  # visits booked ahead
@pytest.mark.django_db
def test_my_pets_shows_the_state_of_each_current_visit(customer_client, customer):
    booked = PetFactory(owner=customer, name="Booked")
    done = PetFactory(owner=customer, name="Done")
    book(booked)
    reservation_transition(
        reservation=book(done),
        to_state="cancelled",
        by=customer,
        note="Better now",
    )

    html = customer_client.get(reverse("pets:list")).content.decode()

    def card(pet):
        return html.split(f'data-pet-id="{pet.pk}"')[1].split("</li>")[0]

    assert "Requested" in card(booked)
    assert "No current visit" in card(done)


@pytest.mark.django_db
def test_an_empty_post_is_answered_with_the_errors(customer_client):
    response = customer_client.post(reverse("pets:new"), {})

    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    assert not Pet.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["new", "edit"])
def test_the_species_list_starts_with_a_prompt_that_cannot_be_chosen(
    customer_client, pet, page
):
    url = reverse("pets:new") if page == "new" else reverse("pets:edit", args=[pet.pk])

    html = customer_client.get(url).content.decode()

    select = html.split('name="species"')[1].split("</select>")[0]
    options = re.findall(r"<option[^>]*>[^<]*</option>", select)
    assert "---------" not in select
    prompt = options[0]
    assert 'value=""' in prompt
    assert " disabled" in prompt
    assert prompt.endswith(">Choose a species</option>")
    assert len(options) == 1 + len(Species.choices)


@pytest.mark.django_db
def test_a_pet_without_a_species_is_refused(customer_client):
    response = customer_client.post(reverse("pets:new"), pet_data(species=""))

    assert response.status_code == 400
    assert "species" in response.context["form"].errors
    assert not Pet.objects.exists()


@pytest.mark.calendar  # visits today
@pytest.mark.django_db
def test_my_pets_colours_each_visit_state_as_the_visit_pages_do(
    customer_client, customer
):
    waiting = PetFactory(owner=customer, name="Waiting")
    treated = PetFactory(owner=customer, name="Treated")
    make_visit(waiting, starts_at=today_at(9), state=State.REQUESTED)
    visit = make_visit(treated, starts_at=today_at(10), state=State.IN_TREATMENT)

    html = customer_client.get(reverse("pets:list")).content.decode()
    visit_page = customer_client.get(visit.get_absolute_url()).content.decode()

    def badge(page, state):
        return re.search(rf'<span class="badge ([^"]+)" data-state="{state}">', page)

    assert badge(html, "requested").group(1) == "text-bg-secondary"
    assert badge(html, "in_treatment").group(1) == "text-bg-warning"
    assert badge(visit_page, "in_treatment").group(1) == "text-bg-warning"
