import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core.tests import images as samples
from pets.models import DoctorNote, Pet, Species
from pets.tests.factories import DoctorNoteFactory, PetFactory
from reservations.models import Reservation, State
from reservations.tests.factories import make_visit, today_at

CHANGELIST = reverse("admin:pets_pet_changelist")
ADD = reverse("admin:pets_pet_add")


def change_url(pet):
    return reverse("admin:pets_pet_change", args=[pet.pk])


def inline_management(total=1, initial=0, visits=0):
    return {
        "doctor_notes-TOTAL_FORMS": str(total),
        "doctor_notes-INITIAL_FORMS": str(initial),
        "doctor_notes-MIN_NUM_FORMS": "0",
        "doctor_notes-MAX_NUM_FORMS": "1000",
        # The doses' inline (pets.record.admin), with no new dose.
        "care_doses-TOTAL_FORMS": "0",
        "care_doses-INITIAL_FORMS": "0",
        "care_doses-MIN_NUM_FORMS": "0",
        "care_doses-MAX_NUM_FORMS": "1000",
        "alerts-TOTAL_FORMS": "0",
        "alerts-INITIAL_FORMS": "0",
        "alerts-MIN_NUM_FORMS": "0",
        "alerts-MAX_NUM_FORMS": "1000",
        "prescriptions-TOTAL_FORMS": "0",
        "prescriptions-INITIAL_FORMS": "0",
        "prescriptions-MIN_NUM_FORMS": "0",
        "prescriptions-MAX_NUM_FORMS": "1000",
        "weights-TOTAL_FORMS": "0",
        "weights-INITIAL_FORMS": "0",
        "weights-MIN_NUM_FORMS": "0",
        "weights-MAX_NUM_FORMS": "1000",
        "documents-TOTAL_FORMS": "0",
        "documents-INITIAL_FORMS": "0",
        "documents-MIN_NUM_FORMS": "0",
        "documents-MAX_NUM_FORMS": "1000",
        # The read-only visit history sends its management form too.
        "reservations-TOTAL_FORMS": str(visits),
        "reservations-INITIAL_FORMS": str(visits),
        "reservations-MIN_NUM_FORMS": "0",
        "reservations-MAX_NUM_FORMS": "0",
    }


def pet_fields(pet, **overrides):
    fields = {
        "name": pet.name,
        "species": pet.species,
        "breed": pet.breed,
        "sex": pet.sex,
        "birth_date": pet.birth_date.isoformat() if pet.birth_date else "",
        "weight_kg": "",
        "notes": pet.notes,
    }
    return {**fields, **overrides}


@pytest.mark.calendar  # the age
@pytest.mark.django_db
def test_the_changelist_shows_thumbnail_owner_link_species_age_and_archived(
    doctor_client, customer
):
    PetFactory(owner=customer, name="Rex", archived_at=timezone.now())

    html = doctor_client.get(CHANGELIST).content.decode()

    assert "Rex" in html
    assert reverse("admin:accounts_user_change", args=[customer.pk]) in html
    assert "pet-species-dog" in html  # the placeholder until a photo exists
    assert "3 years" in html
    assert 'alt="Yes"' in html  # the archived flag icon, read out in words


@pytest.mark.django_db
@pytest.mark.parametrize(
    "term", ["Biscuit", "alice", "Alice Morgan", "alice@example.com", "7946 0018"]
)
def test_doctors_find_a_pet_by_name_owner_email_or_phone(doctor_client, term):
    owner = UserFactory(
        username="alice",
        display_name="Alice Morgan",
        email="alice@example.com",
        phone="+44 20 7946 0018",
    )
    PetFactory(owner=owner, name="Biscuit")
    PetFactory(name="Stranger")

    response = doctor_client.get(CHANGELIST, {"q": term})

    names = [pet.name for pet in response.context["cl"].result_list]
    assert names == ["Biscuit"]


@pytest.mark.django_db
def test_doctors_filter_by_species_and_archived(doctor_client, customer):
    PetFactory(owner=customer, name="Rex", species=Species.DOG)
    PetFactory(owner=customer, name="Tom", species=Species.CAT)
    PetFactory(
        owner=customer, name="Old", species=Species.CAT, archived_at=timezone.now()
    )

    def names(params):
        response = doctor_client.get(CHANGELIST, params)
        return sorted(pet.name for pet in response.context["cl"].result_list)

    assert names({"species__exact": "cat"}) == ["Old", "Tom"]
    assert names({"archived": "yes"}) == ["Old"]
    assert names({"archived": "no", "species__exact": "cat"}) == ["Tom"]


@pytest.mark.django_db
@pytest.mark.parametrize(("count", "queries"), [(1, 5), (50, 5), (51, 6), (120, 6)])
def test_the_changelist_runs_the_same_queries_for_1_and_120_pets(
    doctor_client, django_assert_num_queries, count, queries
):
    PetFactory.create_batch(count)

    # session, user, groups and permissions (one query), the page, the count
    # (only for more than a page: core/admin_paging.py; never a second one of
    # the whole table), the access log's INSERT of the rows shown
    with django_assert_num_queries(queries):
        response = doctor_client.get(CHANGELIST)
    assert response.context["cl"].result_count == count
    assert len(response.context["cl"].result_list) == min(count, 50)


@pytest.mark.django_db
def test_a_doctor_adds_a_shared_and_an_internal_note(doctor_client, doctor, customer):
    pet = PetFactory(owner=customer)
    data = {
        **pet_fields(pet),
        **inline_management(total=2),
        "doctor_notes-0-text": "Vaccinated today.",
        "doctor_notes-0-visible_to_owner": "on",
        "doctor_notes-1-text": "Bit the nurse.",
    }

    response = doctor_client.post(change_url(pet), data)

    assert response.status_code == 302, response.context["errors"]
    notes = {note.text: note for note in pet.doctor_notes.all()}
    assert notes["Vaccinated today."].visible_to_owner
    assert not notes["Bit the nurse."].visible_to_owner
    assert {note.author for note in notes.values()} == {doctor}


@pytest.mark.django_db
def test_a_saved_note_keeps_its_text_but_can_be_shared(doctor_client, doctor, customer):
    pet = PetFactory(owner=customer)
    note = DoctorNoteFactory(
        pet=pet, author=doctor, text="Original.", visible_to_owner=False
    )
    data = {
        **pet_fields(pet),
        **inline_management(total=1, initial=1),
        "doctor_notes-0-id": str(note.pk),
        "doctor_notes-0-pet": str(pet.pk),
        "doctor_notes-0-text": "Rewritten history.",
        "doctor_notes-0-visible_to_owner": "on",
    }

    response = doctor_client.post(change_url(pet), data)

    assert response.status_code == 302
    note.refresh_from_db()
    assert note.text == "Original."
    assert note.visible_to_owner


@pytest.mark.calendar  # the birth date, checked against today
@pytest.mark.django_db
def test_a_doctor_registers_a_pet_for_a_customer_with_a_photo(doctor_client, customer):
    data = {
        **pet_fields(PetFactory.build(name="Walk-in", birth_date=None)),
        "owner": str(customer.pk),
        "new_photo": samples.jpeg_with_gps(),
        **inline_management(total=1),
        "doctor_notes-0-text": "Came in limping.",
    }

    response = doctor_client.post(ADD, data)

    assert response.status_code == 302
    pet = Pet.objects.get(name="Walk-in")
    assert pet.owner == customer
    assert pet.photo_thumbnail.name.endswith(".webp")
    assert pet.doctor_notes.get().text == "Came in limping."


@pytest.mark.django_db
def test_a_broken_photo_in_the_admin_is_a_form_error(doctor_client, customer):
    pet = PetFactory(owner=customer)
    broken = samples.png(size=(400, 400))
    broken = type(broken)(broken.name, broken.read()[:200], broken.content_type)

    response = doctor_client.post(
        change_url(pet),
        {**pet_fields(pet), **inline_management(total=0), "new_photo": broken},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["new_photo"]
    pet.refresh_from_db()
    assert not pet.photo


@pytest.mark.django_db
def test_doctors_archive_and_restore_but_never_delete(doctor_client, customer):
    pet = PetFactory(owner=customer)

    doctor_client.post(CHANGELIST, {"action": "archive", "_selected_action": [pet.pk]})
    pet.refresh_from_db()
    assert pet.is_archived
    doctor_client.post(CHANGELIST, {"action": "restore", "_selected_action": [pet.pk]})
    pet.refresh_from_db()
    assert not pet.is_archived
    delete = reverse("admin:pets_pet_delete", args=[pet.pk])
    assert doctor_client.post(delete, {"post": "yes"}).status_code == 403
    assert Pet.objects.filter(pk=pet.pk).exists()


@pytest.mark.django_db
def test_the_owner_of_a_pet_is_fixed_once_registered(
    doctor_client, customer, other_customer
):
    pet = PetFactory(owner=customer)

    doctor_client.post(
        change_url(pet),
        {**pet_fields(pet), "owner": other_customer.pk, **inline_management(0)},
    )

    pet.refresh_from_db()
    assert pet.owner == customer


@pytest.mark.django_db
def test_customers_cannot_reach_the_pet_admin(customer_client, customer):
    pet = PetFactory(owner=customer)

    for url in (CHANGELIST, change_url(pet)):
        response = customer_client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


@pytest.mark.django_db
def test_internal_notes_added_in_the_admin_never_reach_the_owner(
    doctor_client, client, customer
):
    pet = PetFactory(owner=customer)
    doctor_client.post(
        change_url(pet),
        {
            **pet_fields(pet),
            **inline_management(total=1),
            "doctor_notes-0-text": "Internal only.",
        },
    )
    assert DoctorNote.objects.get().text == "Internal only."

    client.force_login(customer)
    assert "Internal only." not in client.get(pet.get_absolute_url()).content.decode()


def past_visits(pet, count):
    """Finished visits of the pet, one a day before today, newest first."""
    return [
        make_visit(
            pet,
            starts_at=today_at(10) - datetime.timedelta(days=n + 1),
            state=State.FINISHED,
        )
        for n in range(count)
    ]


@pytest.mark.calendar  # visits around today
@pytest.mark.django_db
def test_the_pet_page_shows_its_visit_history_newest_first_read_only(
    doctor_client, customer
):
    pet = PetFactory(owner=customer)
    older, newer = reversed(past_visits(pet, 2))
    PetFactory(owner=customer)  # another pet's visits stay off this page

    response = doctor_client.get(change_url(pet))

    (history,) = [
        inline
        for inline in response.context["inline_admin_formsets"]
        if inline.opts.model._meta.model_name == "reservation"
    ]
    assert [form.original for form in history] == [newer, older]
    assert not history.has_add_permission
    assert not history.has_delete_permission
    html = response.content.decode()
    for visit in (newer, older):
        assert reverse("admin:reservations_reservation_change", args=[visit.pk]) in html
    assert 'name="reservations-0-state"' not in html  # nothing to edit


@pytest.mark.calendar  # visits around today
@pytest.mark.django_db
def test_a_pet_being_registered_has_no_visit_history(doctor_client):
    response = doctor_client.get(ADD)

    assert "reservations-TOTAL_FORMS" not in response.content.decode()


@pytest.mark.calendar  # visits around today
@pytest.mark.django_db
def test_the_pet_page_runs_the_same_queries_for_1_and_30_visits(doctor_client):
    pet = PetFactory()
    past_visits(pet, 1)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert doctor_client.get(change_url(pet)).status_code == 200
        return len(captured)

    one = queries()
    Reservation.objects.all().delete()
    past_visits(pet, 30)

    assert queries() == one


@pytest.mark.django_db
def test_each_row_links_to_its_pet_and_its_owner(
    doctor_client, customer, other_customer
):
    pets = [PetFactory(owner=customer), PetFactory(owner=other_customer)]

    html = doctor_client.get(CHANGELIST).content.decode()

    for pet in pets:
        assert f'href="{reverse("admin:pets_pet_change", args=[pet.pk])}"' in html
        owner = reverse("admin:accounts_user_change", args=[pet.owner_id])
        assert f'href="{owner}"' in html


@pytest.mark.django_db
def test_the_changelist_pages_and_shows_all_as_before(doctor_client):
    PetFactory.create_batch(120)

    def shown(params):
        cl = doctor_client.get(CHANGELIST, params).context["cl"]
        return cl.result_count, {pet.pk for pet in cl.result_list}

    pages = [shown({"p": page}) for page in (1, 2, 3)]
    everything = shown({"all": ""})

    assert [count for count, _pets in pages] == [120, 120, 120]
    assert [len(pets) for _count, pets in pages] == [50, 50, 20]
    assert set().union(*(pets for _count, pets in pages)) == everything[1]
    assert everything == (120, set(Pet.objects.values_list("pk", flat=True)))
    assert doctor_client.get(CHANGELIST, {"p": 4}).status_code == 302  # ?e=1
