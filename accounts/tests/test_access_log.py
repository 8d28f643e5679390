"""The access log itself: access_record() for other actors, retention, the
operators' read-only list, and a customer's own page of it."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts import account_data
from accounts.access_log import (
    AccessLog,
    AccessView,
    access_log_prune,
    access_record,
)
from accounts.tests.factories import UserFactory
from accounts.tests.sockets import doctor_after_a_flush
from consultation.tests.factories import ThreadFactory
from pets.tests.factories import PetFactory
from reservations.states import State
from reservations.tests.factories import make_visit

pytestmark = pytest.mark.django_db

PAGE = reverse("accounts:access-log")
CHANGELIST = reverse("admin:accounts_accesslog_changelist")


@pytest.fixture
def operator(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def finished_visit(pet):
    return make_visit(pet, state=State.FINISHED)


def opened(actor, objects, **kwargs):
    access_record(actor, objects, channel="admin", **kwargs)


# --- access_record ----------------------------------------------------------------


def test_an_integration_key_is_logged_by_its_name_without_a_request(customer, pet):
    visits = [make_visit(pet), make_visit(PetFactory(owner=customer))]

    access_record("Lab system", visits, channel="api", view=AccessView.LIST)

    entries = list(AccessLog.objects.order_by("pk"))
    assert [(e.actor_id, e.actor_name, e.kind, e.object_id) for e in entries] == [
        (None, "Lab system", "visit", visits[0].pk),
        (None, "Lab system", "visit", visits[1].pk),
    ]
    assert {(e.customer_id, e.channel, e.view) for e in entries} == {
        (customer.pk, "api", "list")
    }


def test_an_integration_keys_access_waits_for_the_request_to_end(customer, pet):
    request = RequestFactory().get("/api/v1/integrations/visits/")
    request._access_log_pending = []  # as AccessLogMiddleware does

    access_record("Lab system", [pet], channel="api", request=request)

    assert AccessLog.objects.count() == 0
    [entry] = request._access_log_pending
    assert (entry.actor_name, entry.path, entry.ip) == (
        "Lab system",
        "/api/v1/integrations/visits/",
        "127.0.0.1",
    )


def test_a_customer_as_actor_is_never_logged(customer, other_customer, pet):
    access_record(other_customer, [pet], channel="site")

    assert AccessLog.objects.count() == 0


def test_objects_that_are_no_kind_of_the_log_are_refused(doctor, customer):
    with pytest.raises(ValueError, match="not a kind of the access log"):
        access_record(doctor, [customer], channel="admin")


def test_rows_older_than_the_retention_are_pruned(settings, doctor, pet):
    settings.ACCESS_LOG_RETENTION_DAYS = 30
    with time_machine.travel(timezone.now() - datetime.timedelta(days=31)):
        opened(doctor, [pet])
    opened(doctor, [pet])

    assert access_log_prune.call() == 1
    assert AccessLog.objects.count() == 1


# --- the operators' list -----------------------------------------------------------


def test_operators_read_the_log_filtered_by_staff_member_and_customer(
    client, operator, doctor, customer, other_customer, pet
):
    other_pet = PetFactory(owner=other_customer, name="Max")
    colleague = UserFactory(is_staff=True, username="dr_wu")
    opened(doctor, [pet, other_pet])
    opened(colleague, [pet])
    client.force_login(operator)

    by_customer = client.get(CHANGELIST, {"customer": customer.pk})
    by_doctor = client.get(CHANGELIST, {"actor__id__exact": doctor.pk})
    both = client.get(
        CHANGELIST, {"customer": customer.pk, "actor__id__exact": doctor.pk}
    )

    def shown(response):
        assert response.status_code == 200
        return sorted(
            (entry.actor_id, entry.customer_id)
            for entry in response.context["cl"].result_list
        )

    assert shown(by_customer) == sorted(
        [(doctor.pk, customer.pk), (colleague.pk, customer.pk)]
    )
    assert shown(by_doctor) == sorted(
        [(doctor.pk, customer.pk), (doctor.pk, other_customer.pk)]
    )
    assert shown(both) == [(doctor.pk, customer.pk)]


def test_doctors_cannot_see_the_log(doctor_client, doctor, pet):
    opened(doctor, [pet])
    entry = AccessLog.objects.get()

    assert doctor_client.get(CHANGELIST).status_code == 403
    change = reverse("admin:accounts_accesslog_change", args=[entry.pk])
    assert doctor_client.get(change).status_code == 403
    index = doctor_client.get(reverse("admin:index")).content.decode()
    assert CHANGELIST not in index


def test_nobody_adds_changes_or_deletes_rows_through_the_admin(
    client, operator, doctor, pet
):
    opened(doctor, [pet])
    entry = AccessLog.objects.get()
    client.force_login(operator)
    before = list(AccessLog.objects.values())

    add = client.post(
        reverse("admin:accounts_accesslog_add"),
        {"customer": pet.owner_id, "kind": "pet", "object_id": 1},
    )
    change = client.post(
        reverse("admin:accounts_accesslog_change", args=[entry.pk]),
        {"object_id": 999, "kind": "visit"},
    )
    delete = client.post(
        reverse("admin:accounts_accesslog_delete", args=[entry.pk]), {"post": "yes"}
    )
    bulk = client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [entry.pk]}
    )

    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert bulk.status_code in (200, 302)
    assert list(AccessLog.objects.values()) == before


# --- the customer's page ------------------------------------------------------------


def test_a_customer_sees_who_opened_their_records_by_name_and_date_not_address(
    customer_client, customer, pet
):
    doctor = UserFactory(is_staff=True, display_name="Dr. Chen Wei")
    visit = make_visit(pet)
    thread = ThreadFactory(customer=customer, subject="Rex limps")
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    request.user = doctor
    access_record(request, [pet, visit, thread])
    access_record(request, [visit], view=AccessView.LIST)

    page = customer_client.get(PAGE).content.decode()

    assert page.count("Dr. Chen Wei") == 4
    assert "Rex limps" in page
    assert str(visit) in page
    assert "Seen in a list" in page
    assert "203.0.113.9" not in page
    day = timezone.localdate().isoformat()
    assert f'datetime="{day}' in page


def test_another_customer_sees_none_of_it(client, other_customer, doctor, pet):
    opened(doctor, [pet])
    client.force_login(other_customer)

    response = client.get(PAGE)

    assert response.status_code == 200
    assert list(response.context["entries"]) == []
    assert "Rex" not in response.content.decode()


def test_visitors_are_sent_to_sign_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_the_page_is_paginated_and_costs_the_same_for_any_number_of_rows(
    customer_client, customer, doctor, pet, django_assert_max_num_queries
):
    for _ in range(45):
        opened(doctor, [pet, ThreadFactory(customer=customer), finished_visit(pet)])

    with django_assert_max_num_queries(12):
        first = customer_client.get(PAGE)
    second = customer_client.get(PAGE, {"page": 2})

    assert len(first.context["entries"]) == 30
    assert first.context["page_obj"].has_next()
    assert len(second.context["entries"]) == 30


def test_the_page_speaks_chinese(customer_client, customer, doctor, pet):
    customer.preferred_language = "zh-hans"
    customer.save()
    opened(doctor, [pet])

    page = customer_client.get(PAGE).content.decode()

    assert '<html lang="zh-hans">' in page
    # The title and "how", from the catalog.
    with translation.override("zh-hans"):
        assert translation.gettext("Who opened your records") in page
        assert translation.pgettext("record access", "opened").capitalize() in page


def test_the_profile_links_to_the_page(customer_client):
    assert PAGE in customer_client.get(reverse("accounts:profile")).content.decode()


def test_operators_find_the_log_on_the_dashboard_with_its_columns(
    client, operator, doctor, customer, pet
):
    opened(doctor, [pet])
    access_record("Lab system", [pet], channel="api")
    client.force_login(operator)

    index = client.get(reverse("admin:index")).content.decode()
    page = client.get(CHANGELIST).content.decode()

    assert CHANGELIST in index
    assert "Lab system" in page
    assert doctor.name in page
    assert f'href="?customer={customer.pk}"' in page
    assert reverse("admin:pets_pet_change", args=[pet.pk]) in page


def test_a_customers_export_holds_who_opened_what_and_when(customer, doctor, pet):
    opened(doctor, [pet])

    data = account_data.export(customer).data

    assert data["record_access"] == [
        {
            "at": AccessLog.objects.get().at.isoformat(),
            "by": doctor.name,
            "kind": "pet",
            "object_id": pet.pk,
            "how": "page",
            "channel": "admin",
        }
    ]


@pytest.mark.django_db(transaction=True)
def test_a_list_of_100_pets_is_logged_in_one_insert_without_begin_or_commit(
    customer,
):
    # Transactional: an earlier such test's flush took the Doctors group.
    doctor = doctor_after_a_flush()
    pets = PetFactory.create_batch(100, owner=customer)

    with CaptureQueriesContext(connection) as queries:
        access_record(doctor, pets, channel="admin", view=AccessView.LIST)

    assert [query["sql"].split()[0] for query in queries] == ["INSERT"]
    logged = AccessLog.objects.filter(actor=doctor, view=AccessView.LIST)
    assert sorted(logged.values_list("object_id", flat=True)) == sorted(
        pet.pk for pet in pets
    )
