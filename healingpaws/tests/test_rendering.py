"""What makes the pages cheaper to render (issue 14) changes nothing they show."""

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.template import Context, Engine, Template, engines
from django.template.autoreload import template_changed
from django.template.loaders.cached import Loader as CachedLoader
from django.utils import translation

from reservations.states import State, Triage
from reservations.templatetags.reservations_tags import STATE_COLOURS

# The inclusion templates the badges and the pet's initial were rendered with
# before they were built in Python: the markup must stay the same.
BADGE_BEFORE = (
    '<span class="badge text-bg-{{ colour }}" data-{{ kind }}="{{ value }}">'
    "{{ label }}</span>"
)
EMERGENCY_BEFORE = (
    '{% load i18n %}{% if show %}<span class="badge text-bg-danger" '
    'data-possible-emergency><i class="bi bi-exclamation-triangle-fill" '
    'aria-hidden="true"></i> {% translate "Possible emergency" %}</span>{% endif %}'
)
INITIAL_BEFORE = (
    '<span class="pet-photo pet-photo-{{ size }} pet-species-{{ pet.species }}" '
    'aria-hidden="true">{{ pet.name|slice:":1"|upper }}</span>'
)


def _render(source, **context):
    return Template(source).render(Context(context))


def test_templates_are_compiled_once_per_process_in_every_environment():
    # No "loaders" in the settings: Django's default, the cached loader...
    assert "loaders" not in settings.TEMPLATES[0]["OPTIONS"]
    assert isinstance(engines["django"].engine.template_loaders[0], CachedLoader)
    # ...with DEBUG on too (bin/dev).
    development = Engine(dirs=settings.TEMPLATES[0]["DIRS"], app_dirs=True, debug=True)
    assert isinstance(development.template_loaders[0], CachedLoader)


def test_the_development_server_still_picks_up_a_template_edit():
    loader = engines["django"].engine.template_loaders[0]
    loader.get_template("home.html")
    assert loader.get_template_cache

    # What runserver's autoreloader does when a template file changes.
    edited = Path(settings.BASE_DIR) / "templates" / "home.html"
    assert template_changed(sender=None, file_path=edited) is True

    assert not loader.get_template_cache


@pytest.mark.parametrize("state", State.values)
def test_a_state_badge_reads_as_before(state):
    visit = SimpleNamespace(state=state)

    shown = _render("{% load reservations_tags %}{% state_badge visit %}", visit=visit)

    label = State(state).label
    colour = STATE_COLOURS[state]
    assert shown == _render(
        BADGE_BEFORE, colour=colour, kind="state", value=state, label=label
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_triage_badge_and_the_emergency_mark_read_as_before(language):
    visit = SimpleNamespace(triage=Triage.EMERGENCY, come_in_now=True)

    with translation.override(language):
        shown = _render(
            "{% load reservations_tags %}{% triage_badge visit %}"
            "{% emergency_badge visit %}",
            visit=visit,
        )
        before = _render(
            BADGE_BEFORE,
            colour="danger",
            kind="triage",
            value="emergency",
            label=Triage.EMERGENCY.label,
        ) + _render(EMERGENCY_BEFORE, show=True)

    assert shown == before
    quiet = SimpleNamespace(come_in_now=False)
    assert _render("{% load reservations_tags %}{% emergency_badge v %}", v=quiet) == ""


def test_a_pet_without_a_photo_shows_its_escaped_initial_as_before():
    pet = SimpleNamespace(pk=1, name="<b>rex", species="dog", photo_thumbnail=None)

    shown = _render('{% load pets_tags %}{% pet_photo pet "md" %}', pet=pet)

    assert shown == _render(INITIAL_BEFORE, pet=pet, size="md")
    assert "&lt;" in shown


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_changelist_rows_checkbox_reads_as_djangos_widget(language):
    from django.contrib import admin

    from healingpaws import admin_rows
    from pets.models import Pet

    pet_admin = admin.site._registry[Pet]
    pet = Pet(pk=7, name='Rex <b> & "Co"')

    with translation.override(language):
        shown = pet_admin.action_checkbox(pet)
        django = admin_rows._django_action_checkbox(pet_admin, pet)

    assert shown == django
    assert "&lt;b&gt;" in shown


@pytest.mark.django_db
def test_the_pets_changelist_shows_fifty_rows_a_page(doctor_client):
    from django.urls import reverse

    from pets.tests.factories import PetFactory

    PetFactory.create_batch(51)

    first = doctor_client.get(reverse("admin:pets_pet_changelist"))
    second = doctor_client.get(reverse("admin:pets_pet_changelist") + "?p=2")

    assert first.content.decode().count('name="_selected_action"') == 50
    assert second.content.decode().count('name="_selected_action"') == 1
