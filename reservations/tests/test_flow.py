"""The flow report (issue 16): figures of a seeded day with known times."""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.tests.factories import DoctorFactory, UserFactory
from pets.tests.factories import PetFactory
from reservations.flow import flow_report, percentile
from reservations.models import ReservationEvent, State, Triage, VisitType
from reservations.tests.factories import make_front_desk, make_visit

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 10)
FLOW = reverse("admin:reservations_flow")


def at(hour, minute=0):
    return datetime.datetime.combine(
        DAY, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


def event(visit, to_state, when, actor):
    made = ReservationEvent.objects.create(
        reservation=visit,
        kind=ReservationEvent.Kind.STATE,
        actor=actor,
        to_value=to_state,
    )
    ReservationEvent.objects.filter(pk=made.pk).update(created_at=when)


def kind(name):
    """A visit type of the migration's, by its English name."""
    return VisitType.objects.get(name=name)


def treated(band, doctor, wait, treatment, release, *, hour=9, **fields):
    """A visit checked in at `hour`, then `wait`, `treatment` and `release`
    minutes in each stage (None: not reached yet)."""
    checked_in = at(hour)
    state = State.FINISHED if release is not None else State.READY_FOR_RELEASE
    visit = make_visit(
        PetFactory(),
        starts_at=at(hour),
        state=state,
        triage=band,
        checked_in_at=checked_in,
        **fields,
    )
    start = checked_in + datetime.timedelta(minutes=wait)
    ready = start + datetime.timedelta(minutes=treatment)
    event(visit, State.CHECKED_IN, checked_in, doctor)
    event(visit, State.IN_TREATMENT, start, doctor)
    event(visit, State.READY_FOR_RELEASE, ready, doctor)
    if release is not None:
        event(visit, State.FINISHED, ready + datetime.timedelta(minutes=release), None)
    return visit


@pytest.fixture
def seeded_day():
    ann = DoctorFactory(display_name="Dr Ann")
    bo = DoctorFactory(display_name="Dr Bo")
    consultation, check_up = kind("Consultation"), kind("Check-up")
    treated(Triage.EMERGENCY, ann, 5, 20, 10, visit_type=consultation)
    treated(Triage.EMERGENCY, ann, 10, 40, 20, visit_type=consultation)
    treated(Triage.EMERGENCY, bo, 30, 60, 30, visit_type=kind("Surgery consultation"))
    treated(Triage.STANDARD, bo, 20, 15, 5, hour=10, visit_type=check_up)
    treated(Triage.STANDARD, bo, 40, 25, None, hour=10, visit_type=kind("Vaccination"))
    make_visit(
        PetFactory(),
        starts_at=at(11),
        state=State.NO_SHOW,
        triage=Triage.STANDARD,
        visit_type=check_up,
    )
    # Cancelled, and another day: no dental visit is counted.
    make_visit(
        PetFactory(), starts_at=at(11), state=State.CANCELLED, visit_type=kind("Dental")
    )
    make_visit(
        PetFactory(),
        starts_at=at(11) + datetime.timedelta(days=1),
        state=State.NO_SHOW,
        visit_type=kind("Dental"),
    )


# The seeded day's visits per type, most first, then by name: the no-show
# counts (it was booked), the cancelled visit and the other day's do not.
TYPES = [
    ("Check-up", 2),
    ("Consultation", 2),
    ("Surgery consultation", 1),
    ("Vaccination", 1),
]
# The same in Chinese (the migration's names), in the order of their names.
TYPES_ZH = [("体检", 2), ("问诊", 2), ("手术咨询", 1), ("疫苗接种", 1)]


def rows(report):
    return {(row.group, row.label): row for row in report.rows}


def test_the_report_gives_medians_and_90th_percentiles_per_band_and_doctor(seeded_day):
    report = flow_report(DAY, DAY)

    assert report.visits == 7
    assert (report.no_shows, report.expected) == (
        1,
        6,
    )  # the cancelled one is not expected
    found = rows(report)
    emergency = found[("band", "Emergency")].stages
    assert (emergency["wait"].median, emergency["wait"].p90) == (10, 30)
    assert (emergency["treatment"].median, emergency["treatment"].p90) == (40, 60)
    assert (emergency["release"].median, emergency["release"].p90) == (20, 30)
    standard = found[("band", "Standard")]
    assert standard.visits == 3
    assert (standard.stages["wait"].median, standard.stages["wait"].p90) == (30, 40)
    assert standard.stages["release"].count == 1  # one not collected yet
    ann = found[("doctor", "Dr Ann")].stages["wait"]
    assert (ann.count, ann.median, ann.p90) == (2, 7.5, 10)
    assert found[("doctor", "Dr Bo")].visits == 3


def test_the_report_counts_the_visits_per_type(seeded_day):
    assert flow_report(DAY, DAY).types == TYPES
    with translation.override("zh-hans"):
        assert flow_report(DAY, DAY).types == TYPES_ZH


def test_the_nearest_rank_percentile():
    assert percentile([], 0.9) is None
    assert percentile([7], 0.9) == 7
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile(list(range(1, 12)), 0.9) == 10


def test_its_queries_do_not_grow_with_the_visits(seeded_day):
    with CaptureQueriesContext(connection) as few:
        flow_report(DAY, DAY)
    doctor = DoctorFactory()
    for _ in range(10):
        treated(Triage.STANDARD, doctor, 5, 5, 5, hour=12)
    with CaptureQueriesContext(connection) as many:
        flow_report(DAY, DAY)
    assert len(many) == len(few) == 2


def test_the_page_and_its_csv(doctor_client, seeded_day):
    page = doctor_client.get(FLOW, {"first_day": DAY, "last_day": DAY})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Dr Ann" in html
    assert "1 of 6 booked visits (16.7%)" in html

    download = doctor_client.get(
        FLOW, {"first_day": DAY, "last_day": DAY, "format": "csv"}
    )
    assert download["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(download.content.decode())))
    assert ["band", "Emergency", "Check-in to treatment", "3", "10.0", "30.0"] in lines
    assert ["doctor", "Dr Ann", "Check-in to treatment", "2", "7.5", "10.0"] in lines
    assert lines[-1][:4] == ["no-shows", "", "", "1/6"]
    assert [
        (line[1], int(line[3])) for line in lines if line[0] == "type of visit"
    ] == TYPES


def test_the_page_shows_the_visits_per_type(doctor_client, seeded_day):
    html = doctor_client.get(FLOW, {"first_day": DAY, "last_day": DAY}).content
    table = re.search(
        r'<table data-testid="flow-types">.*?</table>', html.decode(), re.S
    )[0]

    shown = re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', table)
    assert [(name, int(count)) for name, count in shown] == TYPES


def test_a_range_backwards_or_too_long_is_refused(doctor_client):
    backwards = doctor_client.get(
        FLOW, {"first_day": DAY, "last_day": DAY - datetime.timedelta(days=1)}
    )
    assert backwards.status_code == 400
    too_long = doctor_client.get(
        FLOW, {"first_day": DAY, "last_day": DAY + datetime.timedelta(days=200)}
    )
    assert too_long.status_code == 400


def test_only_doctors_and_operators_open_it(client, customer):
    client.force_login(make_front_desk())
    assert client.get(FLOW).status_code == 403
    client.force_login(customer)
    assert client.get(FLOW).status_code == 302  # the admin's login
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(FLOW).status_code == 200


def test_the_visit_list_links_it_for_doctors_only(client, doctor):
    listing = reverse("admin:reservations_reservation_changelist")
    client.force_login(doctor)
    assert FLOW in client.get(listing).content.decode()
    client.force_login(make_front_desk())
    assert FLOW not in client.get(listing).content.decode()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_report_speaks_both_languages(client, language):
    doctor = DoctorFactory(preferred_language=language)
    client.force_login(doctor)
    page = client.get(FLOW, HTTP_ACCEPT_LANGUAGE=language)
    with translation.override(language):
        title = translation.gettext("Flow report")
    assert f'lang="{language}"' in page.content.decode()
    assert title in page.content.decode()


@pytest.mark.django_db
def test_a_day_out_of_the_calendar_is_a_form_error_not_a_500(doctor_client):
    response = doctor_client.get(
        FLOW, {"first_day": "9999-12-31", "last_day": "9999-12-31"}
    )

    assert response.status_code == 400
    assert "Choose a day between 2000 and 2999." in response.content.decode()
