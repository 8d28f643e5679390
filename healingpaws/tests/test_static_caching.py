"""Static files in production: a hashed name is cached by browsers and
proxies for good, and sent compressed (whitenoise over the project's
manifest storage, healingpaws/storage.py)."""

import json

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from whitenoise.middleware import WhiteNoiseMiddleware

ONE_YEAR = 365 * 24 * 3600


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The project's own static files collected once with the production
    storage, and whitenoise's middleware serving them as in production."""
    root = tmp_path_factory.mktemp("static")
    production = override_settings(
        DEBUG=False,
        STATIC_ROOT=root,
        # Our own files and the module they import (the other npm packages
        # would only make the collection slow).
        STATICFILES_DIRS=[
            entry
            for entry in django_settings.STATICFILES_DIRS
            if not isinstance(entry, tuple) or entry[0] == "vendor/idiomorph"
        ],
        STORAGES={
            **django_settings.STORAGES,
            "staticfiles": {"BACKEND": "healingpaws.storage.StaticFilesStorage"},
        },
    )
    with production:
        call_command("collectstatic", "--noinput", verbosity=0)
        manifest = json.loads((root / "staticfiles.json").read_text())
        middleware = WhiteNoiseMiddleware(lambda request: HttpResponse("not static"))
    prefix = f"/{django_settings.STATIC_URL.strip('/')}/"

    def get(name, **headers):
        return middleware(RequestFactory().get(prefix + name, headers=headers))

    return manifest["paths"], get


@pytest.mark.parametrize("name", ["css/site.css", "js/live.js"])
def test_a_hashed_static_file_is_cached_for_a_year_and_sent_compressed(served, name):
    paths, get = served

    # gzip: whitenoise writes .br copies only with the Brotli package, which
    # the project does without (collectstatic would take many times longer).
    response = get(paths[name], accept_encoding="br, gzip, deflate")

    assert response.status_code == 200
    cache_control = dict(
        part.strip().partition("=")[::2]
        for part in response.headers["Cache-Control"].split(",")
    )
    assert int(cache_control["max-age"]) >= ONE_YEAR
    assert "immutable" in cache_control
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Vary"] == "Accept-Encoding"
    plain = b"".join(get(paths[name]).streaming_content)
    assert int(response.headers["Content-Length"]) < len(plain)


def test_an_unhashed_name_is_not_cached_for_long(served):
    """The unhashed name may change under the same URL with the next release."""
    _paths, get = served

    response = get("css/site.css")

    assert response.status_code == 200
    assert "immutable" not in response.headers["Cache-Control"]


def test_a_static_url_is_made_once_for_each_manifest(settings, tmp_path):
    from healingpaws.storage import StaticFilesStorage

    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path  # no manifest there: set below
    storage = StaticFilesStorage()
    storage.hashed_files = {"css/site.css": "css/site.1a2b.css"}
    assert storage.url("css/site.css") == "/static/css/site.1a2b.css"

    storage.hashed_files["css/site.css"] = "css/site.changed.css"
    assert storage.url("css/site.css") == "/static/css/site.1a2b.css"  # kept

    storage.hashed_files = {"css/site.css": "css/site.3c4d.css"}  # collected again
    assert storage.url("css/site.css") == "/static/css/site.3c4d.css"
