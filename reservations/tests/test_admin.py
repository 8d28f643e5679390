import json

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.staticfiles import finders
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core.background import run_ready_tasks
from pets.tests.factories import PetFactory
from reservations.admin import (
    REORDER_BAD_REQUEST_ERROR,
)
from reservations.admin.queue import QUEUE_BAD_REQUEST_ERROR, QUEUE_STALE_ERROR
from reservations.models import ClinicSettings, Reservation, Slot, State, Triage
from reservations.selectors import queue_places
from reservations.services import (
    CANCEL_REASON_REQUIRED_ERROR,
    QUEUE_MIXED_ERROR,
    QUEUE_NOT_ONGOING_ERROR,
    QUEUE_UNKNOWN_ERROR,
)
from reservations.tests.factories import book, make_visit, today_at, tomorrow_at

CHANGELIST = reverse("admin:reservations_reservation_changelist")
QUEUE = reverse("admin:reservations_queue")
REORDER = reverse("admin:reservations_queue_reorder")
QUICK_TRIAGE = reverse("admin:reservations_queue_triage")
ADVANCE = reverse("admin:reservations_queue_advance")


def change_url(visit):
    return reverse("admin:reservations_reservation_change", args=[visit.pk])


def listed(response):
    return [visit.pet.name for visit in response.context["cl"].result_list]


def page_messages(response):
    return [str(message) for message in response.context["messages"]]


def visit_of(owner, name, **fields):
    return make_visit(PetFactory(owner=owner, name=name), **fields)


def act(client, action, *visits, follow=True, query="", **data):
    # The list's filters (in the URL) decide which of the selected visits count.
    return client.post(
        CHANGELIST + query,
        {"action": action, "_selected_action": [visit.pk for visit in visits], **data},
        follow=follow,
    )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    # Not the access log's INSERT of the rows shown: one on PostgreSQL, but
    # SQLite takes at most 90 rows per INSERT (accounts/access_log.py).
    return len([query for query in queries if "accounts_accesslog" not in query["sql"]])


def reorder(client, band, visits):
    payload = {"band": band, "order": [visit.pk for visit in visits]}
    return client.post(REORDER, json.dumps(payload), content_type="application/json")


def refresh(*visits):
    for visit in visits:
        visit.refresh_from_db()
    return visits


# --- the list ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_shows_thumbnail_owner_badges_flag_state_slot_place_and_wait(
    doctor_client, customer
):
    visit_of(customer, "Rex", triage=Triage.EMERGENCY, heavy_bleeding=True)
    visit_of(customer, "Tom", triage=Triage.STANDARD, state=State.CONFIRMED)
    visit_of(customer, "Kiki", starts_at=today_at(11))

    html = doctor_client.get(CHANGELIST).content.decode()

    assert "pet-species-dog" in html  # the thumbnail's placeholder
    assert reverse("admin:accounts_user_change", args=[customer.pk]) in html
    assert '<span class="triage-badge triage-emergency">Emergency</span>' in html
    assert '<span class="triage-badge triage-standard">Standard</span>' in html
    assert '<span class="triage-badge triage-untriaged">Untriaged</span>' in html
    assert html.count('class="visit-flag"') == 1
    assert '<span class="visit-flag">Heavy bleeding</span>' in html
    assert "Confirmed" in html
    assert "about 0 min" in html  # two doctors: the first two wait no slot
    assert "about 30 min" in html  # the third waits one slot


@pytest.mark.django_db
def test_the_list_is_in_queue_order_emergencies_first(doctor_client, customer):
    visit_of(customer, "Later", triage=Triage.STANDARD, queue_position=2)
    visit_of(customer, "Untriaged", queue_position=1)
    visit_of(customer, "Sooner", triage=Triage.STANDARD, queue_position=1)
    visit_of(customer, "Urgent", triage=Triage.EMERGENCY, queue_position=9)

    response = doctor_client.get(CHANGELIST)

    assert listed(response) == ["Urgent", "Sooner", "Later", "Untriaged"]
    places = [visit.queue_place.place for visit in response.context["cl"].result_list]
    assert places == [1, 2, 3, 4]


@pytest.mark.django_db
def test_an_untriaged_possible_emergency_leads_the_untriaged_everywhere(
    doctor_client, customer
):
    visit_of(customer, "Standard", triage=Triage.STANDARD, queue_position=7)
    visit_of(customer, "Urgent", triage=Triage.EMERGENCY, queue_position=8)
    visit_of(customer, "Early", queue_position=1)
    visit_of(customer, "Later", queue_position=2)
    visit_of(customer, "Seizure", queue_position=3, collapse_or_seizure=True)

    changelist = listed(doctor_client.get(CHANGELIST))
    queue = doctor_client.get(QUEUE).context["to_triage"]
    today = doctor_client.get(reverse("admin:index")).context["today"].queue

    assert changelist == ["Urgent", "Standard", "Seizure", "Early", "Later"]
    assert [visit.pet.name for visit in queue] == ["Seizure", "Early", "Later"]
    assert [visit.pet.name for visit in today] == changelist


@pytest.mark.django_db
def test_doctors_read_which_red_flags_were_answered_on_every_admin_page(
    doctor_client, customer
):
    visit = visit_of(customer, "Rex", breathing_trouble=True, collapse_or_seizure=True)
    pages = {
        "list": CHANGELIST,
        "visit": change_url(visit),
        "queue": QUEUE,
        "dashboard": reverse("admin:index"),
        "pet": reverse("admin:pets_pet_change", args=[visit.pet_id]),
    }

    for name, url in pages.items():
        html = doctor_client.get(url).content.decode()
        assert '<span class="visit-flag">Trouble breathing</span>' in html, name
        assert '<span class="visit-flag">Collapse or seizure</span>' in html, name
        assert "Heavy bleeding" not in html, name


@pytest.mark.django_db
def test_the_list_shows_todays_ongoing_visits_until_told_otherwise(
    doctor_client, customer
):
    visit_of(customer, "Today")
    visit_of(customer, "Done", state=State.FINISHED)
    visit_of(customer, "Tomorrow", starts_at=tomorrow_at(10))
    visit_of(
        customer, "Last week", starts_at=today_at(10).replace(day=1).replace(year=2020)
    )

    def names(params=None):
        return sorted(listed(doctor_client.get(CHANGELIST, params or {})))

    assert names() == ["Today"]
    assert names({"progress": "closed"}) == ["Done"]
    assert names({"progress": "all"}) == ["Done", "Today"]
    assert names({"day": "tomorrow"}) == ["Tomorrow"]
    assert names({"day": "past7", "progress": "all"}) == ["Done", "Today"]
    assert names({"day": "all"}) == ["Last week", "Today", "Tomorrow"]
    # A state picked says what is wanted: the "ongoing" default steps aside.
    assert names({"state__exact": "finished"}) == ["Done"]
    # An unknown value is the default, never an error page.
    assert names({"day": "someday"}) == ["Today"]


@pytest.mark.django_db
def test_the_default_choices_are_shown_selected_and_all_can_be_picked(doctor_client):
    response = doctor_client.get(CHANGELIST)

    choices = {
        spec.parameter_name: {
            choice["display"]: choice for choice in spec.choices(response.context["cl"])
        }
        for spec in response.context["cl"].filter_specs
        if hasattr(spec, "parameter_name")
    }
    assert choices["day"]["Today"]["selected"]
    assert not choices["day"]["All"]["selected"]
    assert "day=all" in choices["day"]["All"]["query_string"]
    assert choices["progress"]["Ongoing"]["selected"]
    assert "progress=all" in choices["progress"]["All"]["query_string"]


@pytest.mark.django_db
def test_the_triage_filter_narrows_the_list(doctor_client, customer):
    visit_of(customer, "Rex", triage=Triage.EMERGENCY)
    visit_of(customer, "Tom", triage=Triage.STANDARD)

    response = doctor_client.get(CHANGELIST, {"triage__exact": "emergency"})

    assert listed(response) == ["Rex"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "term", ["Biscuit", "alice", "Alice Morgan", "alice@example.com", "7946 0018"]
)
def test_doctors_find_a_visit_by_pet_owner_email_or_phone_on_any_day(
    doctor_client, term
):
    owner = UserFactory(
        username="alice",
        display_name="Alice Morgan",
        email="alice@example.com",
        phone="+44 20 7946 0018",
    )
    visit_of(owner, "Biscuit", starts_at=tomorrow_at(10))
    # Named, not Faker's: a random "Alice ..." matched the term now and then.
    visit_of(UserFactory(display_name="Bob Stone"), "Stranger")

    response = doctor_client.get(CHANGELIST, {"q": term})

    assert listed(response) == ["Biscuit"]


def more_visits(count):
    for n in range(count):
        visit_of(
            UserFactory(),
            f"Pet {n}",
            triage=[Triage.EMERGENCY, Triage.STANDARD, Triage.UNTRIAGED][n % 3],
            state=[State.REQUESTED, State.CHECKED_IN, State.IN_TREATMENT][n % 3],
        )


@pytest.mark.django_db
def test_the_list_runs_the_same_queries_for_51_and_100_visits(doctor_client, customer):
    visit_of(customer, "First", heavy_bleeding=True)
    one = count_queries(doctor_client, CHANGELIST)
    more_visits(50)
    fifty_one = count_queries(doctor_client, CHANGELIST)
    more_visits(49)

    hundred = count_queries(doctor_client, CHANGELIST)

    assert len(Reservation.objects.all()) == 100
    # A list of one page is counted as it is read; a longer one counts its
    # rows once (core/admin_paging.py), however long it grows.
    assert hundred == fifty_one == one + 1


@pytest.mark.django_db
def test_the_list_of_100_visits_runs_at_most_8_queries(
    doctor_client, customer, django_assert_max_num_queries
):
    visit_of(customer, "First", heavy_bleeding=True)
    more_visits(99)

    # Session, user, groups and permissions, the page, its count, the rules,
    # the day's queue, the pets' alerts, and the access log's INSERT.
    with django_assert_max_num_queries(8):
        response = doctor_client.get(CHANGELIST)

    assert response.context["cl"].result_count == 100
    assert len(listed(response)) == 50


@pytest.mark.django_db
def test_the_list_links_to_todays_queue(doctor_client):
    html = doctor_client.get(CHANGELIST).content.decode()

    assert f'href="{QUEUE}"' in html


# --- actions ----------------------------------------------------------------------


@pytest.mark.django_db
def test_triage_actions_record_events_and_tell_the_owners(
    doctor_client, doctor, customer, django_capture_on_commit_callbacks
):
    rex, tom = visit_of(customer, "Rex"), visit_of(customer, "Tom")

    with django_capture_on_commit_callbacks(execute=True):
        response = act(doctor_client, "triage_emergency", rex, tom)
    run_ready_tasks()

    assert page_messages(response) == ["2 visits triaged as emergency."]
    assert {visit.triage for visit in refresh(rex, tom)} == {Triage.EMERGENCY}
    event = rex.events.get(kind="triage")
    assert (event.actor, event.from_value, event.to_value) == (
        doctor,
        "untriaged",
        "emergency",
    )
    assert len(mail.outbox) == 2

    response = act(doctor_client, "triage_standard", rex)
    assert page_messages(response) == ["1 visit triaged as standard."]
    assert refresh(rex)[0].triage == Triage.STANDARD


@pytest.mark.django_db
def test_confirm_reports_each_refusal_and_confirms_the_rest(doctor_client, customer):
    new = visit_of(customer, "New")
    started = visit_of(customer, "Started", state=State.IN_TREATMENT)

    response = act(doctor_client, "confirm", new, started)

    messages = page_messages(response)
    assert "1 visit confirmed." in messages
    assert any(
        message.startswith(str(started))
        and "A visit that is In treatment cannot become Confirmed." in message
        for message in messages
    )
    new, started = refresh(new, started)
    assert (new.state, started.state) == (State.CONFIRMED, State.IN_TREATMENT)
    assert started.events.count() == 0


@pytest.mark.django_db
def test_advance_moves_each_visit_one_step(doctor_client, customer):
    waiting = visit_of(customer, "Waiting", state=State.CHECKED_IN)
    ready = visit_of(customer, "Ready", state=State.READY_FOR_RELEASE)

    response = act(doctor_client, "advance", waiting, ready)

    assert page_messages(response) == ["2 visits moved one step forward."]
    waiting, ready = refresh(waiting, ready)
    assert (waiting.state, ready.state) == (State.IN_TREATMENT, State.FINISHED)


@pytest.mark.django_db
def test_advance_refuses_a_closed_visit_without_an_error_page(doctor_client, customer):
    done = visit_of(customer, "Done", state=State.FINISHED)

    response = act(doctor_client, "advance", done, query="?progress=all")

    assert response.status_code == 200
    (message,) = page_messages(response)
    assert "A visit that is Finished cannot become" in message
    assert refresh(done)[0].state == State.FINISHED


@pytest.mark.django_db
def test_cancelling_first_asks_for_a_reason(doctor_client, customer):
    rex = visit_of(customer, "Rex")

    response = act(doctor_client, "cancel", rex, follow=False)

    assert response.status_code == 200
    assert response.templates[0].name == (
        "admin/reservations/reservation/cancel_selected.html"
    )
    html = response.content.decode()
    assert "Rex" in html
    assert 'name="reason"' in html
    assert f'name="_selected_action" value="{rex.pk}"' in html
    assert refresh(rex)[0].state == State.REQUESTED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reason", "error"),
    [
        ("", str(CANCEL_REASON_REQUIRED_ERROR)),
        ("   ", str(CANCEL_REASON_REQUIRED_ERROR)),
        ("x" * 501, "Keep the reason to 500 characters or fewer."),
    ],
)
def test_cancelling_without_a_fit_reason_shows_the_error_and_changes_nothing(
    doctor_client, customer, reason, error
):
    rex = visit_of(customer, "Rex")

    response = act(doctor_client, "cancel", rex, confirm="yes", reason=reason)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert response.context["form"].errors["reason"] == [error]
    assert refresh(rex)[0].state == State.REQUESTED
    assert Slot.objects.get().booked == 1


@pytest.mark.django_db
def test_cancelling_with_a_reason_cancels_each_visit_and_tells_the_owner(
    doctor_client, doctor, customer, django_capture_on_commit_callbacks
):
    rex = visit_of(customer, "Rex", state=State.CONFIRMED)
    done = visit_of(customer, "Done", state=State.FINISHED)

    with django_capture_on_commit_callbacks(execute=True):
        response = doctor_client.post(
            f"{CHANGELIST}?progress=all",
            {
                "action": "cancel",
                "_selected_action": [rex.pk, done.pk],
                "confirm": "yes",
                "reason": "The surgeon is ill.",
            },
            follow=True,
        )
    run_ready_tasks()

    messages = page_messages(response)
    assert "1 visit cancelled." in messages
    assert any("cannot become Cancelled" in message for message in messages)
    rex, done = refresh(rex, done)
    assert (rex.state, rex.cancel_reason) == (State.CANCELLED, "The surgeon is ill.")
    assert done.state == State.FINISHED
    event = rex.events.get()
    assert (event.actor, event.note) == (doctor, "The surgeon is ill.")
    assert len(mail.outbox) == 1
    assert "The surgeon is ill." in mail.outbox[0].body


# --- a visit's page ---------------------------------------------------------------


def decision(**fields):
    return {
        "set_triage": fields.pop("set_triage", Triage.UNTRIAGED),
        "move_to": "",
        "note": "",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
        "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "0",
        **fields,
    }


@pytest.mark.django_db
def test_the_visit_page_shows_details_history_and_the_moves_allowed(
    doctor_client, customer
):
    visit = book(PetFactory(owner=customer, name="Rex"), collapse_or_seizure=True)

    response = doctor_client.get(change_url(visit))

    html = response.content.decode()
    assert "Limping since Monday." in html
    assert '<span class="visit-flag">Collapse or seizure</span>' in html
    assert "10 a.m." in html  # the slot in the hospital's time, not UTC
    assert "View on site" not in html  # the owner's page would be a 404
    assert "Booked" in html  # the event
    form = response.context["adminform"].form
    assert [value for value, _label in form.fields["move_to"].choices] == [
        "",
        "confirmed",
        "cancelled",
    ]


@pytest.mark.django_db
def test_a_doctor_triages_and_moves_a_visit_on_its_page(
    doctor_client, doctor, customer, django_capture_on_commit_callbacks
):
    visit = visit_of(customer, "Rex")

    with django_capture_on_commit_callbacks(execute=True):
        response = doctor_client.post(
            change_url(visit),
            decision(set_triage="emergency", move_to="confirmed", note="Come in."),
        )
    run_ready_tasks()

    assert response.status_code == 302
    (visit,) = refresh(visit)
    assert (visit.state, visit.triage) == (State.CONFIRMED, Triage.EMERGENCY)
    events = list(visit.events.values_list("kind", "actor", "to_value", "note"))
    assert events == [
        ("triage", doctor.pk, "emergency", ""),
        ("state", doctor.pk, "confirmed", "Come in."),
    ]
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_refused_move_on_the_visit_page_changes_nothing_and_says_why(
    doctor_client, customer
):
    visit = visit_of(customer, "Rex")

    response = doctor_client.post(
        change_url(visit),
        decision(set_triage="emergency", move_to="cancelled"),  # no reason
        follow=True,
    )

    assert page_messages(response) == [str(CANCEL_REASON_REQUIRED_ERROR)]
    (visit,) = refresh(visit)
    # The triage made in the same save is undone with the refused move.
    assert (visit.state, visit.triage) == (State.REQUESTED, Triage.UNTRIAGED)
    assert not visit.events.exists()
    assert not LogEntry.objects.exists()


@pytest.mark.django_db
def test_a_note_needs_a_move_to_go_with(doctor_client, customer):
    visit = visit_of(customer, "Rex")

    response = doctor_client.post(change_url(visit), decision(note="Hello"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["note"]
    assert not refresh(visit)[0].events.exists()


@pytest.mark.django_db
def test_a_closed_visit_page_is_read_only(doctor_client, customer):
    visit = visit_of(customer, "Rex", state=State.FINISHED)

    response = doctor_client.get(change_url(visit))

    assert response.status_code == 200
    assert 'name="move_to"' not in response.content.decode()
    response = doctor_client.post(change_url(visit), decision(move_to="cancelled"))
    assert response.status_code == 403


@pytest.mark.django_db
def test_nobody_adds_or_deletes_visits_in_the_admin(doctor_client, customer):
    visit = visit_of(customer, "Rex")

    assert (
        doctor_client.get(reverse("admin:reservations_reservation_add")).status_code
        == 403
    )
    delete = reverse("admin:reservations_reservation_delete", args=[visit.pk])
    assert doctor_client.post(delete, {"post": "yes"}).status_code == 403
    assert Reservation.objects.filter(pk=visit.pk).exists()


# --- the queue page ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_queue_page_shows_emergencies_above_standard_and_a_list_to_triage(
    doctor_client, customer
):
    visit_of(customer, "Second", triage=Triage.STANDARD, queue_position=2)
    visit_of(customer, "First", triage=Triage.STANDARD, queue_position=1)
    visit_of(customer, "Urgent", triage=Triage.EMERGENCY, queue_position=5)
    visit_of(customer, "Unsorted", heavy_bleeding=True)
    visit_of(customer, "Treated", triage=Triage.STANDARD, state=State.IN_TREATMENT)
    visit_of(customer, "Tomorrow", triage=Triage.STANDARD, starts_at=tomorrow_at(9))
    visit_of(customer, "Gone", triage=Triage.STANDARD, state=State.CANCELLED)

    response = doctor_client.get(QUEUE)

    bands = {
        band: [visit.pet.name for visit in visits]
        for band, _label, visits in response.context["bands"]
    }
    assert list(bands) == ["emergency", "standard"]
    assert bands == {"emergency": ["Urgent"], "standard": ["First", "Second"]}
    assert [visit.pet.name for visit in response.context["to_triage"]] == ["Unsorted"]
    assert [visit.pet.name for visit in response.context["with_doctor"]] == ["Treated"]
    html = response.content.decode()
    assert html.index("Urgent") < html.index("First") < html.index("Second")
    assert html.index("Second") < html.index("Unsorted")
    assert 'data-queue-band="emergency"' in html
    assert "vendor/sortablejs/Sortable.min.js" in html
    assert "js/admin-queue.js" in html
    assert "<noscript>" in html
    assert 'class="visit-flag"' in html


@pytest.mark.django_db
def test_the_queue_page_shows_another_day_and_quick_triage_comes_back_to_it(
    doctor_client, customer
):
    visit_of(customer, "Today", triage=Triage.STANDARD)
    later = visit_of(customer, "Tomorrow", starts_at=tomorrow_at(9))
    day = tomorrow_at(9).date().isoformat()

    response = doctor_client.get(QUEUE, {"date": day})

    assert [visit.pet.name for visit in response.context["to_triage"]] == ["Tomorrow"]
    assert not any(visits for _band, _label, visits in response.context["bands"])
    assert "Today’s queue" not in response.context["title"]
    response = doctor_client.post(
        QUICK_TRIAGE, {"visit": later.pk, "triage": "standard", "date": day}
    )
    assert response["Location"] == f"{QUEUE}?date={day}"


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "yesterday"])
def test_a_queue_day_out_of_range_shows_today(doctor_client, day):
    response = doctor_client.get(QUEUE, {"date": day})

    assert response.status_code == 200
    assert response.context["day"] == timezone.localdate()


@pytest.mark.django_db
def test_sortablejs_comes_from_npm_through_the_static_finders():
    assert finders.find("vendor/sortablejs/Sortable.min.js")
    assert finders.find("js/admin-queue.js")


@pytest.mark.django_db
def test_the_queue_page_runs_the_same_queries_for_1_and_100_visits(
    doctor_client, customer
):
    visit_of(customer, "First", triage=Triage.EMERGENCY)
    one = count_queries(doctor_client, QUEUE)
    more_visits(99)

    hundred = count_queries(doctor_client, QUEUE)

    assert hundred == one


@pytest.mark.django_db
def test_the_queue_of_100_visits_runs_at_most_8_queries(
    doctor_client, customer, django_assert_max_num_queries
):
    visit_of(customer, "First", triage=Triage.EMERGENCY)
    more_visits(99)

    # Session, user, groups and permissions, the day's visits, their pets'
    # alerts, the rules, the longest waits, and the access log's INSERT.
    with django_assert_max_num_queries(8):
        response = doctor_client.get(QUEUE)

    assert response.status_code == 200
    assert response.content.decode().count('id="queue-visit-') == 100


@pytest.mark.django_db
def test_the_queue_page_gives_each_waiting_visit_its_place_in_the_days_queue(
    doctor_client, customer
):
    visit_of(customer, "First", triage=Triage.EMERGENCY)
    more_visits(30)

    context = doctor_client.get(QUEUE).context
    rows = [*context["to_triage"], *context["with_doctor"]]
    rows += [visit for _band, _label, visits in context["bands"] for visit in visits]
    shown = {visit.pk: visit.queue_place for visit in rows if visit.queue_place}

    everyone = Reservation.objects.select_related("slot")
    assert shown == queue_places(list(everyone))
    assert sorted(place.place for place in shown.values()) == list(range(1, 22))


@pytest.mark.django_db
def test_a_quick_triage_button_triages_and_comes_back_to_the_queue(
    doctor_client, doctor, customer
):
    visit = visit_of(customer, "Rex")

    response = doctor_client.post(
        QUICK_TRIAGE, {"visit": visit.pk, "triage": "standard"}, follow=True
    )

    assert response.redirect_chain[-1][0] == QUEUE
    assert page_messages(response) == [f"{visit} triaged as Standard."]
    assert str(visit).endswith(" 10:00")  # the slot in the hospital's time
    assert refresh(visit)[0].triage == Triage.STANDARD
    assert visit.events.get().actor == doctor
    assert [
        visit.pet.name
        for _band, _label, visits in response.context["bands"]
        for visit in visits
    ] == ["Rex"]


@pytest.mark.django_db
def test_a_quick_triage_of_a_closed_visit_is_refused_politely(doctor_client, customer):
    visit = visit_of(customer, "Rex", state=State.CANCELLED)

    response = doctor_client.post(
        QUICK_TRIAGE, {"visit": visit.pk, "triage": "emergency"}, follow=True
    )

    assert response.status_code == 200
    assert "This visit can no longer be changed." in page_messages(response)[0]
    assert refresh(visit)[0].triage == Triage.UNTRIAGED


# --- one click, one step ---------------------------------------------------------


def advance(client, visit, shown, json=False, **data):
    headers = {"Accept": "application/json"} if json else {}
    return client.post(
        ADVANCE, {"visit": visit.pk, "from_state": shown, **data}, headers=headers
    )


@pytest.mark.django_db
def test_the_queue_offers_each_visit_its_next_step_and_untriaged_ones_triage(
    doctor_client, customer
):
    visit_of(customer, "Asked")
    visit_of(customer, "Booked", triage=Triage.STANDARD, state=State.CONFIRMED)
    visit_of(customer, "Here", triage=Triage.EMERGENCY, state=State.CHECKED_IN)
    visit_of(customer, "Treated", triage=Triage.STANDARD, state=State.IN_TREATMENT)
    visit_of(customer, "Ready", triage=Triage.STANDARD, state=State.READY_FOR_RELEASE)

    html = doctor_client.get(QUEUE).content.decode()

    buttons = {
        "Asked": ("confirmed", "Confirm"),
        "Booked": ("checked_in", "Check in"),
        "Here": ("in_treatment", "Start treatment"),
        "Treated": ("ready_for_release", "Ready to go home"),
        "Ready": ("finished", "Picked up"),
    }
    for name, (state, label) in buttons.items():
        row = html[html.index(f">{name}</a>") :]
        row = row[: row.index("</tr>")]
        assert f'data-next-state="{state}">{label}</button>' in row, name
        assert ('name="triage"' in row) == (name == "Asked"), name
    panel = doctor_client.get(reverse("admin:index")).content.decode()
    assert 'data-next-state="in_treatment">Start treatment</button>' in panel


@pytest.mark.django_db
def test_the_next_step_button_moves_the_visit_and_comes_back_without_javascript(
    doctor_client, doctor, customer
):
    visit = visit_of(customer, "Rex", triage=Triage.STANDARD, state=State.CONFIRMED)

    response = doctor_client.post(
        ADVANCE,
        {"visit": visit.pk, "from_state": "confirmed", "next": QUEUE},
        follow=True,
    )

    assert response.redirect_chain == [(QUEUE, 302)]
    assert page_messages(response) == [f"{visit} is now Checked in."]
    assert refresh(visit)[0].state == State.CHECKED_IN
    event = visit.events.get()
    assert (event.actor, event.from_value, event.to_value) == (
        doctor,
        "confirmed",
        "checked_in",
    )


@pytest.mark.django_db
def test_the_next_step_button_answers_the_pages_script_in_json(doctor_client, customer):
    visit = visit_of(customer, "Rex", triage=Triage.STANDARD, state=State.CHECKED_IN)

    response = advance(doctor_client, visit, "checked_in", json=True)

    assert response.status_code == 200
    assert response.json() == {"ok": True, "message": f"{visit} is now In treatment."}
    assert refresh(visit)[0].state == State.IN_TREATMENT
    # The message was for the script: the next page does not repeat it.
    assert page_messages(doctor_client.get(QUEUE)) == []


@pytest.mark.django_db
def test_a_double_click_or_a_stale_page_moves_a_visit_only_one_step(
    doctor_client, customer
):
    visit = visit_of(customer, "Rex", triage=Triage.STANDARD)

    first = advance(doctor_client, visit, "requested", json=True)
    second = advance(doctor_client, visit, "requested", json=True)

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json() == {
        "error": str(QUEUE_STALE_ERROR) % {"visit": visit, "state": "Confirmed"}
    }
    assert refresh(visit)[0].state == State.CONFIRMED
    assert visit.events.count() == 1


@pytest.mark.django_db
def test_a_closed_visit_has_no_next_step_and_a_bad_post_changes_nothing(
    doctor_client, customer
):
    done = visit_of(customer, "Done", state=State.FINISHED)
    waiting = visit_of(customer, "Rex")

    closed = advance(doctor_client, done, "finished", json=True)
    unknown = doctor_client.post(
        ADVANCE, {"visit": "abc", "from_state": "nope"}, follow=True
    )

    assert closed.status_code == 409
    assert "cannot become" in closed.json()["error"]
    assert unknown.status_code == 200
    assert page_messages(unknown) == [str(QUEUE_BAD_REQUEST_ERROR)]
    assert refresh(done, waiting)[0].state == State.FINISHED
    assert waiting.state == State.REQUESTED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("back", "expected"),
    [
        ("/admin/", "/admin/"),
        ("https://evil.example/", QUEUE),
        ("//evil.example/admin/", QUEUE),
    ],
)
def test_the_next_step_comes_back_only_to_a_page_of_this_site(
    doctor_client, customer, back, expected
):
    visit = visit_of(customer, "Rex")

    response = advance(doctor_client, visit, "requested", next=back)

    assert response["Location"] == expected


@pytest.mark.django_db
def test_other_staff_with_the_change_permission_see_the_queue_but_cannot_move_it(
    client, customer, monkeypatch
):
    # Staff who may open the dashboard and change visits but are neither
    # doctors nor the front desk: they neither triage nor move visits on.
    monkeypatch.setattr(
        "healingpaws.admin.DoctorDashboardSite.has_permission",
        lambda site, request: request.user.is_active and request.user.is_staff,
    )
    desk = UserFactory(is_staff=True)
    desk.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="reservations",
            codename__in=["view_reservation", "change_reservation"],
        )
    )
    client.force_login(desk)
    visit = visit_of(customer, "Rex")

    html = client.get(QUEUE).content.decode()
    moved = advance(client, visit, "requested")
    triaged = client.post(QUICK_TRIAGE, {"visit": visit.pk, "triage": "emergency"})

    assert "Rex" in html
    assert "data-next-state" not in html
    assert 'name="triage"' not in html
    assert moved.status_code == 403
    assert triaged.status_code == 403
    visit.refresh_from_db()
    assert (visit.state, visit.triage) == (State.REQUESTED, Triage.UNTRIAGED)


@pytest.mark.django_db
def test_quick_triage_answers_the_pages_script_in_json(doctor_client, customer):
    visit = visit_of(customer, "Rex", heavy_bleeding=True)

    response = doctor_client.post(
        QUICK_TRIAGE,
        {"visit": visit.pk, "triage": "emergency"},
        headers={"Accept": "application/json"},
    )

    assert response.json() == {"ok": True, "message": f"{visit} triaged as Emergency."}
    assert refresh(visit)[0].triage == Triage.EMERGENCY


# --- the reorder endpoint ---------------------------------------------------------


@pytest.fixture
def band(customer):
    return [
        visit_of(customer, name, triage=Triage.STANDARD, queue_position=place)
        for place, name in enumerate(["A", "B", "C"], start=1)
    ]


def places(*visits):
    return [visit.queue_position for visit in refresh(*visits)]


@pytest.mark.django_db
def test_reordering_saves_the_new_order(doctor_client, band):
    first, second, third = band

    response = reorder(doctor_client, "standard", [third, first, second])

    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert places(third, first, second) == [1, 2, 3]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("other", "error"),
    [
        ({"triage": Triage.EMERGENCY}, QUEUE_MIXED_ERROR),
        ({"starts_at": "tomorrow"}, QUEUE_MIXED_ERROR),
        ({"state": State.FINISHED}, QUEUE_NOT_ONGOING_ERROR),
    ],
    ids=["another-band", "another-day", "closed"],
)
def test_reordering_visits_that_do_not_belong_together_is_refused(
    doctor_client, customer, band, other, error
):
    if other.get("starts_at") == "tomorrow":
        other = {"starts_at": tomorrow_at(10)}
    fields = {"triage": Triage.STANDARD, "queue_position": 9, **other}
    stranger = visit_of(customer, "Stranger", **fields)

    response = reorder(doctor_client, "standard", [stranger, *band])

    assert response.status_code == 400
    assert response.json() == {"error": str(error)}
    assert places(stranger, *band) == [9, 1, 2, 3]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        '{"band": "standard"}',
        '{"band": "untriaged", "order": [1]}',
        '{"band": "standard", "order": []}',
        '{"band": "standard", "order": ["1"]}',
        '{"band": "standard", "order": [true]}',
        '{"band": "standard", "order": [1, 1]}',
        json.dumps({"band": "standard", "order": list(range(1, 202))}),
    ],
)
def test_reordering_refuses_what_it_cannot_read(doctor_client, band, body):
    response = doctor_client.post(REORDER, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"error": str(REORDER_BAD_REQUEST_ERROR)}
    assert places(*band) == [1, 2, 3]


@pytest.mark.django_db
def test_reordering_an_unknown_visit_is_refused(doctor_client, band):
    payload = {"band": "standard", "order": [band[0].pk, 99999]}

    response = doctor_client.post(
        REORDER, json.dumps(payload), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"error": str(QUEUE_UNKNOWN_ERROR)}


@pytest.mark.django_db
def test_reordering_answers_only_posts(doctor_client):
    assert doctor_client.get(REORDER).status_code == 405
    assert doctor_client.get(QUICK_TRIAGE).status_code == 405


# --- who gets in ------------------------------------------------------------------


@pytest.mark.django_db
def test_customers_and_other_staff_cannot_reach_the_reservation_admin(client, customer):
    visit = visit_of(customer, "Rex", triage=Triage.STANDARD)
    staff = UserFactory(is_staff=True)  # staff, but not a doctor
    for user in (customer, staff):
        client.force_login(user)
        for url in (CHANGELIST, change_url(visit), QUEUE, reverse("admin:index")):
            response = client.get(url)
            assert response.status_code == 302, url
            assert "login" in response["Location"]
        response = reorder(client, "standard", [visit])
        assert response.status_code == 302
        response = client.post(QUICK_TRIAGE, {"visit": visit.pk, "triage": "emergency"})
        assert response.status_code == 302
        response = client.post(ADVANCE, {"visit": visit.pk, "from_state": "requested"})
        assert response.status_code == 302
        assert "login" in response["Location"]
    visit.refresh_from_db()
    assert (visit.triage, visit.queue_position) == (Triage.STANDARD, 1)
    assert visit.state == State.REQUESTED


# --- the dashboard's Today panel --------------------------------------------------


@pytest.mark.django_db
def test_the_dashboard_shows_todays_queue_counts_and_open_emergencies(
    doctor_client, customer
):
    visit_of(customer, "Standard", triage=Triage.STANDARD, state=State.CONFIRMED)
    visit_of(customer, "Urgent", triage=Triage.EMERGENCY, heavy_bleeding=True)
    visit_of(customer, "Treated", triage=Triage.EMERGENCY, state=State.IN_TREATMENT)
    visit_of(customer, "Done", state=State.FINISHED)
    visit_of(customer, "Tomorrow", starts_at=tomorrow_at(10))

    response = doctor_client.get(reverse("admin:index"))

    today = response.context["today"]
    assert [visit.pet.name for visit in today.queue] == ["Urgent", "Standard"]
    html = response.content.decode()
    panel = html[html.index('id="today-panel"') :]
    assert panel.index("Urgent") < panel.index("Standard")
    assert "2 open emergencies" in panel
    assert '<span class="today-count-number">1</span> Confirmed' in panel
    assert '<span class="today-count-number">1</span> Finished' in panel
    assert "Queue: 2 waiting" in panel
    assert f'href="{QUEUE}"' in panel
    assert '<span class="triage-badge triage-emergency">Emergency</span>' in panel


@pytest.mark.django_db
def test_the_dashboard_runs_the_same_queries_for_1_and_30_visits(
    doctor_client, customer
):
    visit_of(customer, "First", triage=Triage.EMERGENCY)
    one = count_queries(doctor_client, reverse("admin:index"))
    for n in range(29):
        visit_of(UserFactory(), f"Pet {n}", triage=Triage.STANDARD)

    assert count_queries(doctor_client, reverse("admin:index")) == one


# --- booking rules ----------------------------------------------------------------


@pytest.mark.django_db
def test_saving_booking_rules_in_the_admin_resizes_future_slots(
    doctor_client, customer
):
    slot = book(PetFactory(owner=customer)).slot

    response = doctor_client.post(
        reverse("admin:reservations_clinicsettings_change", args=[1]),
        {"slot_minutes": "30", "doctors_on_duty": "3", "booking_horizon_days": "30"},
    )

    assert response.status_code == 302
    assert ClinicSettings.current().doctors_on_duty == 3
    slot.refresh_from_db()
    assert slot.capacity == 3
