"""Preventive care: the catalogue, doses recorded by doctors, the owner's tab."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.models import Notification
from accounts.tests.factories import DoctorFactory
from pets.models import CareDose, CareItem
from pets.record import services
from pets.record.dates import add_months
from pets.record.services import NOT_A_DOCTOR_ERROR, WRONG_SPECIES_ERROR
from pets.tests.record_factories import TODAY, CareDoseFactory
from pets.tests.test_admin import inline_management, pet_fields

pytestmark = pytest.mark.usefixtures("frozen")


def care_page(client, pet):
    return client.get(reverse("pets:detail", args=[pet.pk]) + "?record=care")


# --- dates and the service ---------------------------------------------------------


def test_months_are_added_to_the_last_day_of_a_short_month():
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2027, 11, 30), 3) == datetime.date(2028, 2, 29)
    assert add_months(datetime.date(2026, 6, 15), 36) == datetime.date(2029, 6, 15)


@pytest.mark.django_db
def test_the_migration_seeds_the_core_items_per_species():
    names = set(CareItem.objects.values_list("species", "name"))

    assert {("dog", "Rabies"), ("dog", "DHPP"), ("cat", "FVRCP")} <= names
    assert {("dog", "Deworming"), ("cat", "Flea and tick")} <= names


@pytest.mark.django_db
def test_a_dose_gets_its_next_due_date_from_the_interval(pet, rabies, doctor):
    dose = services.care_dose_record(
        pet=pet, item=rabies, vet=doctor, given_on=TODAY, batch_number=" RB-77 "
    )

    assert dose.next_due == datetime.date(2027, 6, 15)
    assert dose.batch_number == "RB-77"


@pytest.mark.django_db
def test_the_doctor_may_set_another_next_due_date(pet, rabies, doctor):
    dose = services.care_dose_record(
        pet=pet,
        item=rabies,
        vet=doctor,
        given_on=TODAY,
        next_due=datetime.date(2029, 6, 15),
    )

    services.care_dose_set_next_due(dose=dose, next_due=datetime.date(2028, 6, 1))

    dose.refresh_from_db()
    assert dose.next_due == datetime.date(2028, 6, 1)


@pytest.mark.django_db
def test_an_item_of_another_species_is_refused(pet, doctor):
    fvrcp = CareItem.objects.get(species="cat", name="FVRCP")

    with pytest.raises(ValidationError) as error:
        services.care_dose_record(pet=pet, item=fvrcp, vet=doctor, given_on=TODAY)

    assert str(WRONG_SPECIES_ERROR) in error.value.messages
    assert not CareDose.objects.exists()


@pytest.mark.django_db
def test_only_a_doctor_is_the_vet_of_a_dose(pet, rabies, other_customer):
    with pytest.raises(ValidationError) as error:
        services.care_dose_record(
            pet=pet, item=rabies, vet=other_customer, given_on=TODAY
        )

    assert str(NOT_A_DOCTOR_ERROR) in error.value.messages


@pytest.mark.django_db
def test_recording_a_dose_notifies_the_owner_in_their_language(
    pet, rabies, doctor, customer
):
    services.care_dose_record(pet=pet, item=rabies, vet=doctor, given_on=TODAY)

    notification = Notification.objects.get(recipient=customer)
    assert notification.text == "Rabies recorded for Rex."
    assert notification.url == f"/pets/{pet.pk}/?record=care#record"
    with translation.override("zh-hans"):
        assert "狂犬病疫苗" in notification.text


# --- the doctor's dashboard ---------------------------------------------------------


def dose_form(pet, **fields):
    data = {
        **pet_fields(pet),
        **inline_management(),
        "care_doses-TOTAL_FORMS": "1",
        "care_doses-INITIAL_FORMS": "0",
    }
    for name, value in fields.items():
        data[f"care_doses-0-{name}"] = value
    return data


@pytest.mark.django_db
def test_the_pet_page_offers_a_dose_for_today_by_the_doctor(
    doctor_client, doctor, pet, rabies
):
    html = doctor_client.get(reverse("admin:pets_pet_change", args=[pet.pk]))

    formset = html.context["inline_admin_formsets"]
    doses = next(f for f in formset if f.formset.model is CareDose).formset
    form = doses.forms[0]
    assert form["given_on"].value() == TODAY
    assert form["vet"].value() == doctor.pk
    assert rabies in form.fields["item"].queryset
    assert not form.fields["item"].queryset.filter(species="cat").exists()
    assert "FVRCP" not in html.content.decode()  # a cat's vaccine


@pytest.mark.django_db
def test_a_doctor_records_a_dose_from_the_pets_page(doctor_client, doctor, pet, rabies):
    response = doctor_client.post(
        reverse("admin:pets_pet_change", args=[pet.pk]),
        dose_form(
            pet,
            item=rabies.pk,
            given_on=TODAY.isoformat(),
            vet=doctor.pk,
            batch_number="RB-2291",
            next_due="",
        ),
    )

    assert response.status_code == 302
    dose = CareDose.objects.get()
    assert (dose.pet, dose.item, dose.vet) == (pet, rabies, doctor)
    assert dose.batch_number == "RB-2291"
    assert dose.next_due == datetime.date(2027, 6, 15)


@pytest.mark.django_db
def test_a_dose_typed_for_a_colleague_records_who_typed_it(
    doctor_client, doctor, pet, rabies
):
    colleague = DoctorFactory(username="dr_wang", display_name="Dr Wang")

    doctor_client.post(
        reverse("admin:pets_pet_change", args=[pet.pk]),
        dose_form(
            pet,
            item=rabies.pk,
            given_on=TODAY.isoformat(),
            vet=colleague.pk,
            batch_number="RB-1",
            next_due="",
        ),
    )

    dose = CareDose.objects.get()
    assert (dose.vet, dose.recorded_by) == (colleague, doctor)
    html = doctor_client.get(reverse("admin:pets_pet_change", args=[pet.pk]))
    cells = re.findall(
        r'class="field-recorded_by">\s*<p><a href="[^"]*">([^<]*)</a>',
        html.content.decode(),
    )
    assert cells == [doctor.name]


@pytest.mark.django_db
def test_a_dose_recorded_without_a_typist_was_typed_by_its_vet(pet, rabies, doctor):
    dose = services.care_dose_record(pet=pet, item=rabies, vet=doctor, given_on=TODAY)

    assert dose.recorded_by == doctor


@pytest.mark.django_db
def test_a_next_due_date_before_the_dose_is_refused(doctor_client, doctor, pet, rabies):
    response = doctor_client.post(
        reverse("admin:pets_pet_change", args=[pet.pk]),
        dose_form(
            pet,
            item=rabies.pk,
            given_on=TODAY.isoformat(),
            vet=doctor.pk,
            next_due="2026-06-01",
        ),
    )

    assert response.status_code == 200
    assert "The next dose is due after the date given." in response.content.decode()
    assert not CareDose.objects.exists()


@pytest.mark.django_db
def test_a_doctor_keeps_the_catalogue(doctor_client):
    response = doctor_client.post(
        reverse("admin:pets_careitem_add"),
        {
            "name": "Bordetella",
            "name_zh_hans": "犬窝咳疫苗",
            "species": "dog",
            "kind": "vaccine",
            "interval_months": "12",
            "first_dose_weeks": "8",
            "active": "on",
        },
    )

    assert response.status_code == 302
    assert CareItem.objects.get(name="Bordetella").interval_months == 12


# --- the owner's tab ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_owner_sees_each_items_due_status(customer_client, pet, doctor):
    def given(name, on, months=None):
        item = CareItem.objects.get(species="dog", name=name)
        next_due = add_months(on, months) if months else None
        CareDoseFactory(pet=pet, item=item, vet=doctor, given_on=on, next_due=next_due)

    given("Rabies", datetime.date(2025, 6, 1), 12)  # due 2026-06-01: overdue
    given("Deworming", datetime.date(2026, 4, 1), 3)  # due 2026-07-01: soon
    given("DHPP", datetime.date(2025, 1, 1), 36)  # due 2028: up to date

    response = care_page(customer_client, pet)

    html = response.content.decode()
    statuses = {row.item.name: row.status for row in response.context["care_rows"]}
    assert statuses == {
        "Rabies": "overdue",
        "Deworming": "due_soon",
        "DHPP": "up_to_date",
        "Leptospirosis": "never",
        "Flea and tick": "never",
    }
    for badge in ("Overdue", "Due soon", "Up to date"):
        assert badge in html
    assert f'data-live-region="pet-{pet.pk}-record"' in html


@pytest.mark.django_db
def test_a_later_dose_supersedes_the_earlier_one(customer_client, pet, rabies, doctor):
    for year in (2025, 2026):
        CareDoseFactory(
            pet=pet, item=rabies, vet=doctor, given_on=datetime.date(year, 1, 1)
        )

    rows = care_page(customer_client, pet).context["care_rows"]

    rabies_row = next(row for row in rows if row.item == rabies)
    assert rabies_row.dose.given_on == datetime.date(2026, 1, 1)
    assert rabies_row.status == "up_to_date"
    assert CareDose.objects.latest_per_item().get().given_on.year == 2026


@pytest.mark.django_db
def test_the_dose_history_shows_batch_and_vet(customer_client, pet, rabies, doctor):
    CareDoseFactory(pet=pet, item=rabies, vet=doctor, batch_number="RB-2291")

    html = care_page(customer_client, pet).content.decode()

    assert "RB-2291" in html
    assert doctor.name in html


@pytest.mark.django_db
def test_tabs_are_links_that_work_without_javascript(customer_client, pet):
    html = customer_client.get(reverse("pets:detail", args=[pet.pk])).content.decode()

    assert 'href="?record=care#record"' in html
    assert 'data-testid="record-timeline"' in html


@pytest.mark.django_db
def test_a_chinese_reader_sees_the_chinese_names(
    customer_client, customer, pet, rabies, doctor
):
    customer.preferred_language = "zh-hans"
    customer.save()
    CareDoseFactory(pet=pet, item=rabies, vet=doctor)

    html = care_page(customer_client, pet).content.decode()

    assert "狂犬病疫苗" in html


@pytest.mark.django_db
def test_another_customer_gets_404_on_the_care_tab(
    client, other_customer, pet, rabies, doctor
):
    CareDoseFactory(pet=pet, item=rabies, vet=doctor, batch_number="RB-2291")
    client.force_login(other_customer)

    response = care_page(client, pet)

    assert response.status_code == 404
    assert "RB-2291" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 50])
def test_the_care_tab_runs_the_same_queries_for_1_and_50_doses(
    customer_client, pet, rabies, doctor, django_assert_num_queries, count
):
    CareDoseFactory.create_batch(count, pet=pet, item=rabies, vet=doctor)

    # session, user, pet, notes, visits, active medications, doses, items
    # never given, unread bell, unread consultations
    with django_assert_num_queries(10):
        response = care_page(customer_client, pet)

    assert len(response.context["doses"]) == count
