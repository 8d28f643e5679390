"""The front desk (PRODUCT.md section 2): walk-ins, check-in, no-shows in the
dashboard; no triage, no treatment, no medical notes. Each permission tested."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from pets.tests.factories import PetFactory
from reservations import services
from reservations.models import State, Triage
from reservations.tests.factories import make_visit

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:reservations_reservation_changelist")
QUEUE = reverse("admin:reservations_queue")
ADVANCE = reverse("admin:reservations_queue_advance")
QUICK_TRIAGE = reverse("admin:reservations_queue_triage")


def visit_of(owner, name, **fields):
    return make_visit(PetFactory(owner=owner, name=name), **fields)


# The visit page's read-only history inline still posts its management form.
EVENTS_FORMSET = {"events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"}


def change_url(visit):
    return reverse("admin:reservations_reservation_change", args=[visit.pk])


def test_the_front_desk_checks_a_confirmed_visit_in(desk, customer):
    visit = visit_of(customer, "Rex", state=State.CONFIRMED)

    services.reservation_transition(
        reservation=visit, to_state=State.CHECKED_IN, by=desk
    )

    visit.refresh_from_db()
    assert visit.state == State.CHECKED_IN
    assert visit.events.get().actor == desk


@pytest.mark.parametrize(
    ("state", "to_state"),
    [
        (State.REQUESTED, State.CONFIRMED),
        (State.CHECKED_IN, State.IN_TREATMENT),
        (State.IN_TREATMENT, State.READY_FOR_RELEASE),
        (State.READY_FOR_RELEASE, State.FINISHED),
        (State.CONFIRMED, State.CANCELLED),
    ],
)
def test_the_front_desk_cannot_treat_confirm_release_or_cancel(
    desk, customer, state, to_state
):
    visit = visit_of(customer, "Rex", state=state)

    with pytest.raises(PermissionDenied):
        services.reservation_transition(
            reservation=visit, to_state=to_state, by=desk, note="Because."
        )

    visit.refresh_from_db()
    assert visit.state == state
    assert not visit.events.exists()


def test_the_front_desk_cannot_triage_nor_reorder(desk, customer):
    visit = visit_of(customer, "Rex", state=State.CHECKED_IN)

    with pytest.raises(PermissionDenied):
        services.reservation_triage(reservation=visit, triage=Triage.EMERGENCY, by=desk)
    with pytest.raises(PermissionDenied):
        services.queue_reorder(band=Triage.STANDARD, pks=[visit.pk], by=desk)

    visit.refresh_from_db()
    assert visit.triage == Triage.UNTRIAGED


def test_the_dashboard_lets_the_front_desk_in_with_the_today_panel(desk_client):
    response = desk_client.get(reverse("admin:index"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="today-panel"' in html
    # Consultations are the doctors': no figures, no link that would be a 403.
    assert "today-consultations" not in html


def test_the_admin_shows_the_front_desk_only_what_it_may_do(desk_client):
    apps = {
        model["object_name"]: model["perms"]
        for app in desk_client.get(reverse("admin:index")).context["app_list"]
        for model in app["models"]
    }

    assert apps["Reservation"] == {
        "add": False,
        "change": True,
        "delete": False,
        "view": True,
    }
    assert apps["ClinicSettings"]["change"] is False
    assert apps["OpeningHours"]["change"] is False
    assert apps["Pet"] == {"add": False, "change": False, "delete": False, "view": True}
    assert apps["User"]["change"] is False
    # No doctor notes, no consultations, no failed e-mails, no groups.
    assert "DoctorNote" not in apps
    assert "Thread" not in apps
    assert "Group" not in apps


def test_the_front_desk_reads_no_medical_notes_and_changes_no_rules(
    desk_client, customer, doctor
):
    from pets.models import DoctorNote

    pet = PetFactory(owner=customer, name="Rex")
    DoctorNote.objects.create(pet=pet, author=doctor, text="Suspected fracture.")

    pet_page = desk_client.get(reverse("admin:pets_pet_change", args=[pet.pk]))

    assert pet_page.status_code == 200
    assert "Suspected fracture." not in pet_page.content.decode()
    for url in (
        reverse("admin:consultation_thread_changelist"),
        reverse("admin:auth_group_changelist"),
    ):
        assert desk_client.get(url).status_code == 403, url
    rules = desk_client.post(
        reverse("admin:reservations_clinicsettings_change", args=[1]),
        {"slot_minutes": 15, "doctors_on_duty": 9, "booking_horizon_days": 30},
    )
    assert rules.status_code == 403


def test_the_visit_list_offers_the_front_desk_only_check_in_and_no_show(
    desk_client, customer
):
    visit = visit_of(customer, "Rex", state=State.CONFIRMED)

    actions = dict(
        desk_client.get(CHANGELIST).context["action_form"].fields["action"].choices
    )
    checked = desk_client.post(
        CHANGELIST,
        {"action": "check_in", "_selected_action": [visit.pk]},
        follow=True,
    )

    assert set(actions) == {"", "check_in", "no_show"}
    assert checked.status_code == 200
    visit.refresh_from_db()
    assert visit.state == State.CHECKED_IN


def test_a_doctor_also_gets_check_in_among_the_actions(doctor_client):
    actions = dict(
        doctor_client.get(CHANGELIST).context["action_form"].fields["action"].choices
    )

    assert {"check_in", "triage_emergency", "advance", "cancel"} <= set(actions)


def test_the_visit_page_offers_the_front_desk_check_in_and_no_triage(
    desk_client, customer
):
    visit = visit_of(customer, "Rex", state=State.CONFIRMED)

    page = desk_client.get(change_url(visit))
    form = page.context["adminform"].form
    saved = desk_client.post(
        change_url(visit),
        {
            "move_to": "checked_in",
            "note": "",
            "version": form["version"].value(),
            **EVENTS_FORMSET,
        },
        follow=True,
    )

    assert "set_triage" not in form.fields
    assert [value for value, _label in form.fields["move_to"].choices] == [
        "",
        "checked_in",
        "no_show",
    ]
    assert saved.status_code == 200
    visit.refresh_from_db()
    assert visit.state == State.CHECKED_IN


def test_the_visit_page_refuses_a_treatment_move_posted_by_the_front_desk(
    desk_client, customer
):
    visit = visit_of(customer, "Rex", state=State.CHECKED_IN)

    response = desk_client.post(
        change_url(visit), {"move_to": "in_treatment", "note": "", **EVENTS_FORMSET}
    )

    assert response.status_code == 200  # the form again, with its error
    assert response.context["adminform"].form.errors
    visit.refresh_from_db()
    assert visit.state == State.CHECKED_IN


def test_the_queue_gives_the_front_desk_check_in_buttons_only(desk_client, customer):
    confirmed = visit_of(customer, "Rex", state=State.CONFIRMED, triage="standard")
    waiting = visit_of(customer, "Tom", state=State.CHECKED_IN, triage="standard")
    visit_of(customer, "Kit", state=State.REQUESTED)

    html = desk_client.get(QUEUE).content.decode()
    checked = desk_client.post(
        ADVANCE, {"visit": confirmed.pk, "from_state": "confirmed"}
    )
    treated = desk_client.post(
        ADVANCE, {"visit": waiting.pk, "from_state": "checked_in"}
    )
    triaged = desk_client.post(
        QUICK_TRIAGE, {"visit": waiting.pk, "triage": "emergency"}
    )

    assert html.count("data-next-state=") == 1
    assert 'data-next-state="checked_in"' in html
    assert 'name="triage"' not in html
    assert "data-queue-reorder-url" not in html
    assert checked.status_code == 302
    assert treated.status_code == 302  # back to the queue, with the refusal
    assert triaged.status_code == 403
    confirmed.refresh_from_db()
    waiting.refresh_from_db()
    assert confirmed.state == State.CHECKED_IN
    assert (waiting.state, waiting.triage) == (State.CHECKED_IN, Triage.STANDARD)


def test_a_customer_in_the_front_desk_group_without_staff_stays_out(client, customer):
    from django.contrib.auth.models import Group

    customer.groups.add(Group.objects.get(name="Front desk"))
    client.force_login(customer)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert "login" in response["Location"]


def _sidebar_models(html):
    """The models the sidebar lists, and the one marked as the current page."""
    sidebar = html[html.index('id="nav-sidebar"') :]
    listed = set(re.findall(r'<tr class="model-(\w+)', sidebar))
    current = re.findall(r'<tr class="model-(\w+) current-model"', sidebar)
    return listed, current


def test_the_cached_sidebar_marks_each_page_and_lists_what_each_role_opens(
    client, desk, doctor
):
    pets = reverse("admin:pets_pet_changelist")
    visits = reverse("admin:reservations_reservation_changelist")
    client.force_login(doctor)
    doctor_on_pets = _sidebar_models(client.get(pets).content.decode())
    doctor_on_visits = _sidebar_models(client.get(visits).content.decode())
    client.force_login(desk)
    desk_on_visits = _sidebar_models(client.get(visits).content.decode())

    assert doctor_on_pets[1] == ["pet"]
    assert doctor_on_visits[1] == ["reservation"]
    assert doctor_on_pets[0] == doctor_on_visits[0]
    assert desk_on_visits[1] == ["reservation"]
    # The desk's sidebar is its own, not the doctor's from the cache.
    assert desk_on_visits[0] < doctor_on_visits[0]
