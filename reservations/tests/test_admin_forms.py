"""A visit's page opened before another change: what the doctor and the owner
are told when their page is older than the visit, in English and Chinese."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.tests.factories import DoctorFactory
from pets.tests.factories import PetFactory
from reservations import services
from reservations.admin.forms import NOTE_WITHOUT_MOVE_ERROR
from reservations.models import ReservationEvent, State, Triage
from reservations.services import VISIT_CHANGED_ERROR, reservation_version
from reservations.tests.factories import book, make_visit, tomorrow_at

pytestmark = pytest.mark.django_db

CHANGED = {
    "en": "This visit changed meanwhile: it is now In treatment.",
    "zh-hans": "此就诊已被他人修改，目前为“治疗中”。",
}


def change_url(visit):
    return reverse("admin:reservations_reservation_change", args=[visit.pk])


def decision(**fields):
    return {
        "set_triage": Triage.STANDARD,
        "move_to": "",
        "note": "",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
        "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "0",
        **fields,
    }


def doctor_browser(client, language):
    doctor = DoctorFactory(username=f"dr_{language[:2]}", preferred_language=language)
    client.force_login(doctor)
    return client


@pytest.fixture
def checked_in(customer):
    return make_visit(
        PetFactory(owner=customer, name="Rex"),
        state=State.CHECKED_IN,
        triage=Triage.STANDARD,
    )


def _moved_by_another_doctor(visit, to_state=State.IN_TREATMENT):
    services.reservation_transition(
        reservation=visit, to_state=to_state, by=DoctorFactory(username="dr_other")
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_stale_visit_page_says_the_visit_changed_and_shows_it_as_it_is_now(
    client, checked_in, language
):
    browser = doctor_browser(client, language)
    page = browser.get(change_url(checked_in))
    seen = page.context["adminform"].form["version"].value()
    _moved_by_another_doctor(checked_in)

    # The old page offered "In treatment", which the visit now is.
    response = browser.post(
        change_url(checked_in),
        decision(move_to=State.IN_TREATMENT, note="Started.", version=seen),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert CHANGED[language] in html
    # Only that: not "in_treatment is not one of the available choices", nor
    # (in Chinese too) that the note needs a change of state.
    assert list(response.context["adminform"].form.errors) == ["__all__"]
    with translation.override(language):
        assert str(NOTE_WITHOUT_MOVE_ERROR) not in html
    checked_in.refresh_from_db()
    assert checked_in.state == State.IN_TREATMENT
    assert ReservationEvent.objects.filter(to_value=State.IN_TREATMENT).count() == 1


def test_the_redrawn_page_offers_the_current_moves_and_saves_the_next_one(
    client, checked_in
):
    browser = doctor_browser(client, "en")
    seen = reservation_version(checked_in)
    _moved_by_another_doctor(checked_in)
    stale = browser.post(
        change_url(checked_in),
        decision(move_to=State.IN_TREATMENT, note="Started.", version=seen),
    )
    form = stale.context["adminform"].form
    assert [value for value, _label in form.fields["move_to"].choices] == [
        "",
        "ready_for_release",
        "cancelled",
    ]
    assert form["note"].value() == "Started."  # what the doctor typed is kept

    response = browser.post(
        change_url(checked_in),
        decision(
            move_to=State.READY_FOR_RELEASE,
            note="Ready.",
            version=form["version"].value(),
        ),
    )

    assert response.status_code == 302
    checked_in.refresh_from_db()
    assert checked_in.state == State.READY_FOR_RELEASE


def test_a_page_without_a_version_gets_the_same_message_for_a_stale_choice(
    client, checked_in
):
    browser = doctor_browser(client, "en")
    _moved_by_another_doctor(checked_in)

    response = browser.post(
        change_url(checked_in), decision(move_to=State.IN_TREATMENT, note="Go.")
    )

    html = response.content.decode()
    assert CHANGED["en"] in html
    assert "Select a valid choice" not in html


def test_a_triage_changed_meanwhile_is_not_overwritten(client, checked_in):
    browser = doctor_browser(client, "en")
    seen = reservation_version(checked_in)
    services.reservation_triage(
        reservation=checked_in,
        triage=Triage.EMERGENCY,
        by=DoctorFactory(username="dr_other"),
    )

    response = browser.post(
        change_url(checked_in), decision(set_triage=Triage.STANDARD, version=seen)
    )

    assert "This visit changed meanwhile: it is now Checked in." in (
        response.content.decode()
    )
    checked_in.refresh_from_db()
    assert checked_in.triage == Triage.EMERGENCY


def test_a_current_page_still_moves_the_visit(client, checked_in):
    browser = doctor_browser(client, "en")
    page = browser.get(change_url(checked_in))
    seen = page.context["adminform"].form["version"].value()
    assert f'type="hidden" name="version" value="{seen}"' in page.content.decode()

    response = browser.post(
        change_url(checked_in),
        decision(move_to=State.IN_TREATMENT, note="Started.", version=seen),
    )

    assert response.status_code == 302
    checked_in.refresh_from_db()
    assert checked_in.state == State.IN_TREATMENT


# --- the owner's forms ----------------------------------------------------------


OWNER_CHANGED = {
    "en": "This visit changed meanwhile: it is now Confirmed.",
    "zh-hans": "此就诊已被他人修改，目前为“已确认”。",
}


@pytest.fixture
def owner_visit(customer):
    return book(PetFactory(owner=customer, name="Mochi"), starts_at=tomorrow_at(11))


def _confirmed_by_a_doctor(visit):
    _moved_by_another_doctor(visit, to_state=State.CONFIRMED)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_owners_edit_from_an_old_page_says_the_visit_changed(
    client, customer, owner_visit, language
):
    customer.preferred_language = language
    customer.save()
    client.force_login(customer)
    seen = reservation_version(owner_visit)
    _confirmed_by_a_doctor(owner_visit)

    response = client.post(
        reverse("reservations:edit", args=[owner_visit.pk]),
        {
            "starts_at": tomorrow_at(12).isoformat(),
            "symptoms": "Worse.",
            "version": seen,
        },
        follow=True,
    )

    assert response.redirect_chain == [(owner_visit.get_absolute_url(), 302)]
    assert OWNER_CHANGED[language] in response.content.decode()
    owner_visit.refresh_from_db()
    assert owner_visit.slot.starts_at == tomorrow_at(11)
    assert owner_visit.symptoms != "Worse."


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_owners_cancel_from_an_old_page_says_the_visit_changed(
    client, customer, owner_visit, language
):
    customer.preferred_language = language
    customer.save()
    client.force_login(customer)
    seen = reservation_version(owner_visit)
    _confirmed_by_a_doctor(owner_visit)

    response = client.post(
        reverse("reservations:cancel", args=[owner_visit.pk]),
        {"reason": "Better.", "version": seen},
        follow=True,
    )

    assert OWNER_CHANGED[language] in response.content.decode()
    owner_visit.refresh_from_db()
    assert owner_visit.state == State.CONFIRMED


def test_a_pickup_from_an_old_page_says_what_the_visit_is_now(client, customer):
    visit = make_visit(
        PetFactory(owner=customer, name="Mochi"), state=State.READY_FOR_RELEASE
    )
    client.force_login(customer)
    seen = reservation_version(visit)
    _moved_by_another_doctor(visit, to_state=State.FINISHED)

    response = client.post(
        reverse("reservations:pickup", args=[visit.pk]),
        {"version": seen},
        follow=True,
    )

    html = response.content.decode()
    assert "This visit changed meanwhile: it is now Finished." in html
    assert "not ready to be collected" not in html


def test_the_owners_forms_carry_the_version_of_the_visit_they_show(
    client, customer, owner_visit
):
    client.force_login(customer)
    version = reservation_version(owner_visit)

    for name in ["reservations:edit", "reservations:cancel"]:
        page = client.get(reverse(name, args=[owner_visit.pk]))
        assert f'name="version" value="{version}"' in page.content.decode()


def test_the_message_names_the_state_in_the_readers_language():
    with translation.override("zh-hans"):
        message = str(VISIT_CHANGED_ERROR) % {"state": State.IN_TREATMENT.label}
    assert message.startswith(CHANGED["zh-hans"])


# --- the visit list's actions ----------------------------------------------------


CHANGELIST = reverse("admin:reservations_reservation_changelist")


def _advance_from_list(browser, visit, seen):
    return browser.post(
        CHANGELIST,
        {
            "action": "advance",
            "_selected_action": [visit.pk],
            f"seen-{visit.pk}": seen,
        },
        follow=True,
    )


def test_each_listed_visit_carries_the_version_the_list_showed(client, checked_in):
    browser = doctor_browser(client, "en")

    html = browser.get(CHANGELIST).content.decode()

    version = reservation_version(checked_in)
    assert f'name="seen-{checked_in.pk}" value="{version}"' in html


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_advancing_from_an_old_list_does_not_move_the_visit_twice(
    client, checked_in, language
):
    browser = doctor_browser(client, language)
    seen = reservation_version(checked_in)  # both doctors' lists showed this
    _moved_by_another_doctor(checked_in)  # the other doctor advanced it

    response = _advance_from_list(browser, checked_in, seen)

    assert CHANGED[language] in response.content.decode()
    checked_in.refresh_from_db()
    assert checked_in.state == State.IN_TREATMENT


def test_advancing_from_a_current_list_moves_the_visit(client, checked_in):
    browser = doctor_browser(client, "en")

    response = _advance_from_list(browser, checked_in, reservation_version(checked_in))

    assert "1 visit moved one step forward." in response.content.decode()
    checked_in.refresh_from_db()
    assert checked_in.state == State.IN_TREATMENT
