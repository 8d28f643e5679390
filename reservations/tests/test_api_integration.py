"""Integration keys on the visits' endpoints: scopes, revocation, the
acting account, the services' rules, the access log and the throttle."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from accounts.access_log import AccessLog
from core.api_auth_limit import FailedAuthenticationThrottle
from core.api_keys import api_key_create, api_key_revoke
from core.integration_models import ApiKey, Scope
from pets.tests.factories import PetFactory
from reservations.models import Reservation, ReservationEvent
from reservations.states import State, Triage
from reservations.tests.factories import make_front_desk, make_visit, today_at

pytestmark = pytest.mark.django_db

LIST = "/api/v1/integration/visits/"


def detail(visit, action=""):
    return f"{LIST}{visit.pk}/{action + '/' if action else ''}"


def key_for(*scopes, acts_as=None, name="Lab system"):
    _row, key = api_key_create(name=name, scopes=list(scopes), acts_as=acts_as)
    return key


def get(url, key=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {key}"} if key else {}
    return Client().get(url, params, **headers)


def post(url, key, data):
    return Client().post(
        url,
        data,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Api-Key {key}",
    )


@pytest.fixture
def visit(customer):
    return make_visit(PetFactory(owner=customer, name="Mochi"), state=State.CONFIRMED)


def test_a_key_that_reads_visits_lists_and_reads_any_customers_visit(visit):
    key = key_for(Scope.READ_VISITS)

    listed = get(LIST, key)
    one = get(detail(visit), key)

    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [visit.pk]
    assert one.status_code == 200
    body = one.json()
    assert (body["pet_name"], body["state"], body["owner_id"]) == (
        "Mochi",
        "confirmed",
        visit.pet.owner_id,
    )
    assert body["visit_type"] == visit.visit_type.name
    assert body["slots_taken"] == visit.places
    # Each read is in the access log under the key's name.
    logged = AccessLog.objects.filter(actor_name="Lab system")
    assert sorted(logged.values_list("view", flat=True)) == ["list", "page"]


def test_the_list_filters_by_day_state_and_last_change(customer):
    pet = PetFactory(owner=customer)
    today = make_visit(pet, state=State.CONFIRMED, starts_at=today_at(9))
    yesterday = make_visit(
        PetFactory(owner=customer),
        state=State.FINISHED,
        starts_at=today_at(9) - datetime.timedelta(days=1),
    )
    Reservation.objects.filter(pk=yesterday.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=1)
    )
    key = key_for(Scope.READ_VISITS)

    def ids(**params):
        return [row["id"] for row in get(LIST, key, **params).json()["results"]]

    assert ids(date=timezone.localdate().isoformat()) == [today.pk]
    assert ids(state="finished") == [yesterday.pk]
    since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    assert ids(updated_since=since) == [today.pk]
    refused = get(LIST, key, state="lost")
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid"
    assert "state" in refused.json()["fields"]


def test_the_list_runs_the_same_queries_for_1_and_50_visits(customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    key = key_for(Scope.READ_VISITS)
    make_visit(PetFactory(owner=customer))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert get(LIST, key).status_code == 200
        return len(captured)

    get(LIST, key)  # its first use writes last_used_at
    one = queries()
    for _ in range(49):
        make_visit(PetFactory(owner=customer))
    assert queries() == one


@pytest.mark.parametrize(
    ("url", "method"),
    [
        (LIST, "get"),
        ("detail", "get"),
        ("transition", "post"),
        ("advance", "post"),
        ("triage", "post"),
    ],
)
def test_no_key_a_wrong_key_or_a_revoked_key_is_401(visit, url, method):
    url = LIST if url == LIST else detail(visit, "" if url == "detail" else url)
    row, key = api_key_create(name="Old", scopes=list(Scope.values), acts_as=None)
    client = Client()
    anonymous = getattr(client, method)(url)
    wrong = getattr(client, method)(url, HTTP_AUTHORIZATION=f"Api-Key {key}x")
    api_key_revoke(key=row)
    revoked = getattr(client, method)(url, HTTP_AUTHORIZATION=f"Api-Key {key}")

    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Api-Key"
    assert wrong.status_code == 401
    assert revoked.status_code == 401
    assert revoked.json()["code"] == "authentication_failed"


def test_an_owners_session_token_is_not_a_key(client, visit, customer):
    from accounts.tests.api import app_login

    token = app_login(client, customer)
    response = Client().get(LIST, HTTP_X_SESSION_TOKEN=token)
    assert response.status_code == 401


def test_keys_are_refused_outside_their_scopes(visit, doctor):
    records_only = key_for(Scope.READ_RECORDS)
    reader = key_for(Scope.READ_VISITS, name="Reader")

    for response in (
        get(LIST, records_only),
        get(detail(visit), records_only),
        post(detail(visit, "advance"), reader, {}),
        post(detail(visit, "transition"), reader, {"to_state": "checked_in"}),
        post(detail(visit, "triage"), reader, {"triage": "standard"}),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        assert "scope" in response.json()["message"]
    visit.refresh_from_db()
    assert (visit.state, visit.triage) == (State.CONFIRMED, Triage.UNTRIAGED)


def test_a_key_moves_a_visit_as_its_acting_doctor(visit, doctor):
    key = key_for(Scope.WRITE_VISIT_STATE, acts_as=doctor)

    checked_in = post(detail(visit, "advance"), key, {})
    triaged = post(detail(visit, "triage"), key, {"triage": "standard"})
    cancelled = post(
        detail(visit, "transition"),
        key,
        {"to_state": "cancelled", "note": "Owner phoned the lab."},
    )

    assert checked_in.status_code == 200, checked_in.content
    assert checked_in.json()["state"] == "checked_in"
    assert triaged.json()["triage"] == "standard"
    assert cancelled.json()["state"] == "cancelled"
    events = ReservationEvent.objects.filter(reservation=visit).order_by("pk")
    assert [(e.kind, e.to_value, e.actor_id) for e in events] == [
        ("state", "checked_in", doctor.pk),
        ("triage", "standard", doctor.pk),
        ("state", "cancelled", doctor.pk),
    ]


def test_a_key_that_only_changes_visits_is_answered_without_the_visit(visit, doctor):
    visit.symptoms = "Limping since Sunday"
    visit.save()
    key = key_for(Scope.WRITE_VISIT_STATE, acts_as=doctor)
    post(detail(visit, "advance"), key, {})

    response = post(detail(visit, "triage"), key, {"triage": "standard"})
    # A triage to the band it has changes nothing and must read nothing.
    again = post(detail(visit, "triage"), key, {"triage": "standard"})

    assert response.status_code == again.status_code == 200, again.content
    assert set(again.json()) == {"id", "state", "triage", "version"}
    assert again.json()["triage"] == "standard"
    assert "Limping" not in again.content.decode()
    assert not AccessLog.objects.exists()


def test_a_key_that_also_reads_visits_gets_the_visit_and_the_read_is_logged(
    visit, doctor
):
    visit.symptoms = "Limping since Sunday"
    visit.save()
    key = key_for(Scope.WRITE_VISIT_STATE, Scope.READ_VISITS, acts_as=doctor)

    response = post(detail(visit, "advance"), key, {})

    assert response.status_code == 200, response.content
    assert response.json()["symptoms"] == "Limping since Sunday"
    assert AccessLog.objects.filter(actor_name="Lab system").count() == 1


def test_the_services_rules_apply_to_a_key(visit, doctor):
    key = key_for(Scope.WRITE_VISIT_STATE, acts_as=doctor)
    illegal = post(detail(visit, "transition"), key, {"to_state": "finished"})
    no_reason = post(detail(visit, "transition"), key, {"to_state": "cancelled"})
    stale = post(detail(visit, "advance"), key, {"version": "0" * 16})

    for response in (illegal, no_reason, stale):
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
    assert "cannot become" in illegal.json()["message"]
    visit.refresh_from_db()
    assert visit.state == State.CONFIRMED
    assert not ReservationEvent.objects.filter(reservation=visit).exists()


def test_the_acting_accounts_rights_apply(visit):
    desk = make_front_desk(username="reception")
    key = key_for(Scope.WRITE_VISIT_STATE, acts_as=desk)
    nobody = key_for(Scope.WRITE_VISIT_STATE, name="Nobody")

    checked_in = post(detail(visit, "advance"), key, {})
    triage = post(detail(visit, "triage"), key, {"triage": "emergency"})
    without_account = post(detail(visit, "advance"), nobody, {})

    assert checked_in.status_code == 200  # the front desk checks pets in
    assert triage.status_code == 403  # and never triages
    assert without_account.status_code == 403
    assert "acts as no" in without_account.json()["message"]
    visit.refresh_from_db()
    assert (visit.state, visit.triage) == (State.CHECKED_IN, Triage.UNTRIAGED)


def test_an_unknown_visit_is_404(doctor):
    key = key_for(Scope.READ_VISITS, Scope.WRITE_VISIT_STATE, acts_as=doctor)
    assert get(f"{LIST}999999/", key).status_code == 404
    assert post(f"{LIST}999999/advance/", key, {}).status_code == 404


def test_each_key_has_its_own_rate_limit(visit, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "integration": "2/minute",
        },
    }
    first = key_for(Scope.READ_VISITS, name="First")
    second = key_for(Scope.READ_VISITS, name="Second")

    answers = [get(LIST, first).status_code for _ in range(3)]

    assert answers == [200, 200, 429]
    assert get(LIST, second).status_code == 200


def test_last_use_is_written_at_most_once_a_minute(visit, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    row, key = api_key_create(name="Clock", scopes=[Scope.READ_VISITS])
    assert row.last_used_at is None
    get(LIST, key)
    first = ApiKey.objects.get(pk=row.pk).last_used_at
    time_machine.shift(datetime.timedelta(seconds=30))
    get(LIST, key)
    assert ApiKey.objects.get(pk=row.pk).last_used_at == first
    time_machine.shift(datetime.timedelta(seconds=60))
    get(LIST, key)
    assert ApiKey.objects.get(pk=row.pk).last_used_at > first


def test_guessing_keys_from_one_address_is_answered_429(visit, monkeypatch):
    monkeypatch.setattr(
        FailedAuthenticationThrottle,
        "THROTTLE_RATES",
        {"failed_authentication": "2/minute"},
    )
    key = key_for(Scope.READ_VISITS)

    guesses = [get(LIST, f"{key[:-4]}{n:04d}").status_code for n in range(2)]
    right = get(LIST, key)

    assert guesses == [401, 401]
    assert right.status_code == 429
    assert right.json()["code"] == "throttled"
