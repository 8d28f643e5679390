"""Every way staff open a customer's pet, visit, consultation or record
document leaves exactly one row per object (accounts/access_log.py); lists
log each row with one INSERT; customers opening their own things leave none."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.access_log import AccessLog
from accounts.tests.factories import UserFactory
from consultation.tests.factories import MessageFactory, ThreadFactory
from core.api_keys import api_key_create
from core.integration_models import Scope
from pets.tests.factories import PetFactory
from pets.tests.test_record_documents import attach
from reservations.tests.factories import make_front_desk, make_visit

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36"


def rows():
    return list(
        AccessLog.objects.order_by("pk").values_list(
            "actor_id", "customer_id", "kind", "object_id", "view", "channel"
        )
    )


@pytest.fixture
def visit(pet):
    return make_visit(pet)


@pytest.fixture
def thread(customer, pet):
    thread = ThreadFactory(customer=customer, pet=pet, subject="Rex limps")
    MessageFactory(thread=thread)
    return thread


# --- the dashboard ---------------------------------------------------------------


def test_the_pets_admin_page_logs_one_row_with_address_and_browser(
    doctor_client, doctor, customer, pet
):
    url = reverse("admin:pets_pet_change", args=[pet.pk])
    response = doctor_client.get(url, HTTP_USER_AGENT=BROWSER)

    assert response.status_code == 200
    assert rows() == [(doctor.pk, customer.pk, "pet", pet.pk, "page", "admin")]
    entry = AccessLog.objects.get()
    assert entry.ip == "127.0.0.1"
    assert entry.user_agent == BROWSER
    assert entry.path == url


def test_the_visits_admin_page_logs_one_row(doctor_client, doctor, customer, visit):
    doctor_client.get(reverse("admin:reservations_reservation_change", args=[visit.pk]))

    assert rows() == [(doctor.pk, customer.pk, "visit", visit.pk, "page", "admin")]


def test_the_threads_admin_page_logs_one_row(doctor_client, doctor, customer, thread):
    response = doctor_client.get(
        reverse("admin:consultation_thread_change", args=[thread.pk])
    )

    assert "Rex limps" in response.content.decode()
    assert rows() == [(doctor.pk, customer.pk, "thread", thread.pk, "page", "admin")]


def test_a_reply_posted_in_the_admin_logs_nothing_more(doctor_client, thread):
    url = reverse("admin:consultation_thread_change", args=[thread.pk])
    doctor_client.post(url, {"_reply": "1", "text": "Bring him in."})

    assert rows() == []


@pytest.mark.parametrize(
    "changelist",
    [
        "admin:pets_pet_changelist",
        "admin:reservations_reservation_changelist",
        "admin:consultation_thread_changelist",
    ],
)
def test_a_list_logs_each_row_it_shows(doctor_client, doctor, changelist):
    owners = UserFactory.create_batch(3)
    pets = [PetFactory(owner=owner) for owner in owners]
    for pet in pets:
        make_visit(pet)
        MessageFactory(thread=ThreadFactory(customer=pet.owner, pet=pet))

    doctor_client.get(reverse(changelist))

    logged = rows()
    assert len(logged) == 3
    assert {customer for _actor, customer, *_rest in logged} == {
        owner.pk for owner in owners
    }
    assert {(actor, view, channel) for actor, _c, _k, _o, view, channel in logged} == {
        (doctor.pk, "list", "admin")
    }


def test_the_front_desk_is_logged_too(client, customer, visit):
    desk = make_front_desk()
    client.force_login(desk)

    client.get(reverse("admin:reservations_reservation_change", args=[visit.pk]))

    assert rows() == [(desk.pk, customer.pk, "visit", visit.pk, "page", "admin")]


def test_a_list_of_50_visits_is_logged_in_the_queries_of_a_list_of_1(
    doctor_client, django_assert_num_queries
):
    url = reverse("admin:reservations_reservation_changelist") + "?day=all"
    doctor_client.get(url)  # what a process reads once (content types) is read
    make_visit(PetFactory())
    with CaptureQueriesContext(connection) as one:
        doctor_client.get(url)
    for _ in range(49):
        make_visit(PetFactory())  # each of another customer

    with django_assert_num_queries(len(one)) as fifty:
        response = doctor_client.get(url)

    assert len(response.context["cl"].result_list) == 50
    assert AccessLog.objects.filter(view="list").count() == 1 + 50
    for captured in (one, fifty):
        writes = [q for q in captured if "accounts_accesslog" in q["sql"]]
        assert len(writes) == 1


# --- the site --------------------------------------------------------------------


def test_the_pet_page_on_the_site_logs_one_row(doctor_client, doctor, customer, pet):
    doctor_client.get(pet.get_absolute_url())

    assert rows() == [(doctor.pk, customer.pk, "pet", pet.pk, "page", "site")]


def test_the_visit_page_on_the_site_logs_one_row(
    doctor_client, doctor, customer, visit
):
    doctor_client.get(visit.get_absolute_url())

    assert rows() == [(doctor.pk, customer.pk, "visit", visit.pk, "page", "site")]


def test_the_thread_page_on_the_site_logs_one_row(
    doctor_client, doctor, customer, thread
):
    doctor_client.get(thread.get_absolute_url())

    assert rows() == [(doctor.pk, customer.pk, "thread", thread.pk, "page", "site")]


def test_the_doctors_thread_list_on_the_site_logs_its_rows(
    doctor_client, doctor, customer, thread
):
    doctor_client.get(reverse("consultation:list"))

    assert rows() == [(doctor.pk, customer.pk, "thread", thread.pk, "list", "site")]


def test_a_document_downloaded_by_a_doctor_logs_one_row(
    doctor_client, doctor, customer, pet
):
    document = attach(pet, doctor)

    response = doctor_client.get(reverse("pets:document", args=[pet.pk, document.pk]))

    assert response.status_code == 200
    assert rows() == [(doctor.pk, customer.pk, "document", document.pk, "page", "site")]


# --- nothing for customers -------------------------------------------------------


def test_customers_opening_their_own_things_log_nothing(
    customer_client, doctor, pet, visit, thread
):
    document = attach(pet, doctor)
    for url in [
        pet.get_absolute_url(),
        visit.get_absolute_url(),
        thread.get_absolute_url(),
        reverse("consultation:list"),
        reverse("pets:document", args=[pet.pk, document.pk]),
    ]:
        assert customer_client.get(url).status_code == 200

    assert rows() == []


def test_a_doctor_opening_their_own_pet_logs_nothing(doctor_client, doctor):
    own = PetFactory(owner=doctor)

    doctor_client.get(reverse("admin:pets_pet_change", args=[own.pk]))
    doctor_client.get(own.get_absolute_url())

    assert rows() == []


def test_another_customer_gets_404_and_logs_nothing(client, other_customer, pet):
    client.force_login(other_customer)

    assert client.get(pet.get_absolute_url()).status_code == 404
    assert rows() == []


# --- the API: integration keys ---------------------------------------------------


def api_get(client, url, key):
    return client.get(url, HTTP_AUTHORIZATION=f"Api-Key {key}")


def test_an_integration_key_reading_a_visit_and_a_record_logs_one_row_each(
    client, customer, pet, visit
):
    _row, key = api_key_create(
        name="Lab system", scopes=[Scope.READ_VISITS, Scope.READ_RECORDS]
    )

    assert (
        api_get(client, f"/api/v1/integration/visits/{visit.pk}/", key).status_code
        == 200
    )
    assert (
        api_get(client, f"/api/v1/integration/pets/{pet.pk}/record/", key).status_code
        == 200
    )

    assert list(
        AccessLog.objects.order_by("pk").values_list(
            "actor_id", "actor_name", "customer_id", "kind", "object_id", "channel"
        )
    ) == [
        (None, "Lab system", customer.pk, "visit", visit.pk, "api"),
        (None, "Lab system", customer.pk, "pet", pet.pk, "api"),
    ]


def test_an_integration_keys_list_of_visits_logs_each_row(client, customer, visit):
    _row, key = api_key_create(name="Lab system", scopes=[Scope.READ_VISITS])

    assert api_get(client, "/api/v1/integration/visits/", key).status_code == 200

    assert rows() == [(None, customer.pk, "visit", visit.pk, "list", "api")]


# --- the queue and the Today panel; pages redrawing themselves -------------------

LIVE = {"X-Live-Refresh": "1"}


def test_the_queue_and_the_today_panel_log_their_rows_as_a_list(
    doctor_client, doctor, customer, visit
):
    doctor_client.get(reverse("admin:reservations_queue"))
    doctor_client.get(reverse("admin:index"))

    assert rows() == [
        (doctor.pk, customer.pk, "visit", visit.pk, "list", "admin"),
        (doctor.pk, customer.pk, "visit", visit.pk, "list", "admin"),
    ]
    assert [entry.path for entry in AccessLog.objects.order_by("pk")] == [
        reverse("admin:reservations_queue"),
        reverse("admin:index"),
    ]


def test_a_redraw_after_a_push_logs_only_what_is_new_on_the_page(
    doctor_client, doctor, customer, visit
):
    queue = reverse("admin:reservations_queue")
    doctor_client.get(queue)
    newcomer = make_visit(PetFactory(owner=customer, name="Max"))

    doctor_client.get(queue, headers=LIVE)
    doctor_client.get(queue, headers=LIVE)

    assert rows() == [
        (doctor.pk, customer.pk, "visit", visit.pk, "list", "admin"),
        (doctor.pk, customer.pk, "visit", newcomer.pk, "list", "admin"),
    ]


def test_a_pet_page_redrawing_itself_is_not_logged_again(doctor_client, pet):
    doctor_client.get(pet.get_absolute_url())
    doctor_client.get(pet.get_absolute_url(), headers=LIVE)

    assert len(rows()) == 1


def test_the_redraw_header_cannot_hide_a_first_look(doctor_client, doctor, pet):
    doctor_client.get(pet.get_absolute_url(), headers=LIVE)

    assert rows() == [(doctor.pk, pet.owner_id, "pet", pet.pk, "page", "site")]


def test_opening_a_page_again_is_logged_again(doctor_client, pet):
    doctor_client.get(pet.get_absolute_url())
    doctor_client.get(pet.get_absolute_url())

    assert len(rows()) == 2


def test_the_redraw_header_hides_nothing_on_a_page_that_does_not_redraw(
    doctor_client, pet
):
    url = reverse("admin:pets_pet_change", args=[pet.pk])
    doctor_client.get(url)
    doctor_client.get(url, headers=LIVE)

    assert len(rows()) == 2


def test_a_redraw_seen_from_another_address_is_another_look(doctor_client, pet):
    doctor_client.get(pet.get_absolute_url(), REMOTE_ADDR="10.0.0.1")
    doctor_client.get(pet.get_absolute_url(), REMOTE_ADDR="203.0.113.9", headers=LIVE)

    assert list(AccessLog.objects.order_by("pk").values_list("ip", flat=True)) == [
        "10.0.0.1",
        "203.0.113.9",
    ]


def test_an_account_and_a_key_named_as_its_id_are_not_taken_for_each_other(
    customer, doctor, pet
):
    from accounts.access_log import _seen_key

    by_account = AccessLog(actor=doctor, kind="pet", object_id=pet.pk)
    by_key = AccessLog(actor_name=str(doctor.pk), kind="pet", object_id=pet.pk)

    assert _seen_key(by_account, None) != _seen_key(by_key, None)


# --- the consultation's messages (JSON) --------------------------------------------


def test_a_doctor_reading_a_threads_messages_logs_the_thread_once_an_hour(
    doctor_client, doctor, customer, thread
):
    url = reverse("consultation:messages", args=[thread.pk])
    first = doctor_client.get(url)
    older = doctor_client.get(url, {"before": "999999"})  # paging through

    assert first.status_code == 200
    assert older.status_code == 200
    assert rows() == [(doctor.pk, customer.pk, "thread", thread.pk, "page", "site")]


def test_a_threads_messages_asked_badly_log_nothing(doctor_client, thread):
    url = reverse("consultation:messages", args=[thread.pk])

    assert doctor_client.get(url, {"before": "abc"}).status_code == 400
    assert rows() == []


def test_a_customer_reading_their_threads_messages_logs_nothing_and_another_gets_404(
    client, customer, other_customer, thread
):
    url = reverse("consultation:messages", args=[thread.pk])
    client.force_login(customer)
    assert client.get(url).status_code == 200
    client.force_login(other_customer)
    assert client.get(url).status_code == 404

    assert rows() == []
