import json
import logging
from importlib.metadata import version

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User

# Versions with known vulnerabilities fixed (PITFALLS.md, requirements.txt).
SECURITY_FLOORS = {
    "django": (5, 2, 19),
    "pillow": (13, 0, 0),
    "django-allauth": (65, 21, 1),
    "daphne": (4, 2, 2),
    "twisted": (24, 7, 0),
}


def _as_tuple(text):
    return tuple(int(part) for part in text.split(".")[:3] if part.isdigit())


@pytest.mark.parametrize(("package", "floor"), SECURITY_FLOORS.items())
def test_installed_dependencies_are_at_or_above_their_security_floor(package, floor):
    assert _as_tuple(version(package)) >= floor


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_slow_requests_are_logged_with_their_path(client, settings, caplog):
    settings.SLOW_REQUEST_SECONDS = 0

    with caplog.at_level(logging.WARNING, logger="healingpaws.slow"):
        client.get(reverse("terms"))

    assert "slow request: GET /terms/" in caplog.text


@pytest.mark.django_db
def test_slow_queries_are_logged_with_their_path(client, customer, settings, caplog):
    settings.SLOW_QUERY_SECONDS = 0
    client.force_login(customer)

    with caplog.at_level(logging.WARNING, logger="healingpaws.slow"):
        client.get(reverse("accounts:profile"))

    assert "slow query on /accounts/profile/" in caplog.text


@pytest.mark.django_db
def test_fast_requests_are_not_logged(client, settings, caplog):
    # "Fast" is relative to the threshold: a loaded machine may take a second.
    settings.SLOW_REQUEST_SECONDS = 60
    settings.SLOW_QUERY_SECONDS = 60
    with caplog.at_level(logging.WARNING, logger="healingpaws.slow"):
        client.get(reverse("terms"))

    assert "slow" not in caplog.text


@pytest.fixture
def operator_client(client, db):
    client.force_login(
        User.objects.create_superuser("op", "op@example.com", "long-password-1")
    )
    return client


def test_the_admin_index_and_sidebar_follow_admin_reorder(operator_client):
    response = operator_client.get(reverse("admin:index"))

    labels = [app["app_label"] for app in response.context["app_list"]]
    sidebar = [app["app_label"] for app in response.context["available_apps"]]
    # Named apps in their configured order, then the rest (allauth's "account").
    assert labels[:5] == ["reservations", "consultation", "pets", "accounts", "auth"]
    assert "account" in labels[5:]
    assert sidebar == labels


def test_an_app_page_keeps_its_sidebar_in_order(operator_client):
    response = operator_client.get(reverse("admin:app_list", args=["auth"]))

    assert [app["app_label"] for app in response.context["app_list"]] == ["auth"]
    sidebar = [app["app_label"] for app in response.context["available_apps"]]
    assert sidebar[:5] == ["reservations", "consultation", "pets", "accounts", "auth"]


def test_a_doctor_sees_only_what_doctors_may_use(doctor_client):
    response = doctor_client.get(reverse("admin:index"))

    assert [app["app_label"] for app in response.context["app_list"]] == [
        "reservations",
        "consultation",
        "pets",
        "accounts",
    ]


def test_production_collectstatic_hashes_every_file_the_pages_use(settings, tmp_path):
    """The deploy build's step, with the production storage: npm packages'
    dangling source-map comments must not stop it."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "healingpaws.storage.StaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)

    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    for name in [
        "vendor/dropzone/dropzone.css",
        "vendor/bootstrap/css/bootstrap.min.css",
        "js/booking.js",
        "css/site.css",
    ]:
        assert name in manifest["paths"]
    # A module's imports name the hashed files, so no release mixes a new
    # script with a cached old module (fnmatch's * crosses folders: js/lib too).
    paths = manifest["paths"]
    live = (tmp_path / "static" / paths["js/live.js"]).read_text()
    assert f'from "./{paths["js/lib/socket.js"][len("js/") :]}";' in live
    regions = (tmp_path / "static" / paths["js/lib/live-regions.js"]).read_text()
    idiomorph = paths["vendor/idiomorph/idiomorph.esm.js"]
    assert f'from "../../{idiomorph}";' in regions
