import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory

outage_urls = pytest.mark.urls("healingpaws.tests.outage_urls")


@outage_urls
@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/database-down/", "/redis-down/", "/redis-silent/", "/pool-drained/"]
)
def test_an_outage_gives_a_clear_503_page(client, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "没有丢失" in response.content.decode()


@outage_urls
@pytest.mark.django_db
def test_a_drained_pool_gives_a_signed_in_user_the_503_page(client):
    """A login flood once took every pooled connection: PoolTimeout is 503."""
    client.force_login(UserFactory(preferred_language="zh-hans"))

    response = client.get("/pool-drained/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "没有丢失" in response.content.decode()


@outage_urls
@pytest.mark.django_db
def test_other_errors_are_still_server_errors(client):
    with pytest.raises(ZeroDivisionError):
        client.get("/bug/")


def _database_down(execute, sql, params, many, context):
    raise OperationalError("connection refused")


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["home", "pets:list", "reservations:list"])
def test_a_signed_in_user_gets_the_503_page_when_the_database_is_down(page):
    # The session and the user are read by middleware (the profile's language)
    # before any view runs: the outage must not become a 500 there. The client
    # answers as the server does, instead of re-raising the error.
    browser = Client(raise_request_exception=False)
    browser.force_login(UserFactory(preferred_language="zh-hans"))

    with connection.execute_wrapper(_database_down):
        response = browser.get(reverse(page), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "没有丢失" in response.content.decode()


def _records_down(execute, sql, params, many, context):
    if "reservations_" in sql or "pets_" in sql:
        raise OperationalError("connection refused")
    return execute(sql, params, many, context)


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["pets:list", "reservations:list", "reservations:new"])
def test_an_outage_met_while_a_kept_part_is_drawn_gives_the_503_page(page):
    """Kept parts (core/page_parts.py) read their records as the template
    draws them, after the view: the outage met there is a 503 all the same."""
    browser = Client(raise_request_exception=False)
    browser.force_login(UserFactory())

    with connection.execute_wrapper(_records_down):
        response = browser.get(reverse(page))

    assert response.status_code == 503
    assert "Nothing you saved has been lost" in response.content.decode()


@pytest.mark.django_db
def test_an_anonymous_visitor_gets_the_503_page_when_the_database_is_down():
    browser = Client(raise_request_exception=False)

    with connection.execute_wrapper(_database_down):
        response = browser.get(reverse("home"))

    assert response.status_code == 503
    assert "Nothing you saved has been lost" in response.content.decode()


def test_a_bug_met_in_a_middleware_is_still_the_500_page(monkeypatch):
    from accounts import middleware

    def broken(self, request):
        raise ZeroDivisionError("a plain bug")

    monkeypatch.setattr(middleware.PreferredLanguageMiddleware, "__call__", broken)
    browser = Client(raise_request_exception=False)

    response = browser.get("/terms/")

    assert response.status_code == 500


def test_with_postgresql_a_request_waits_at_most_three_seconds_for_a_connection():
    """A dead database or a drained pool answers the 503 page in about 3 s,
    not after the pool's former 10 s."""
    script = (
        "import json, django; django.setup();"
        "from django.conf import settings;"
        "print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "healingpaws.settings",
        # Read, never connected to.
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/nothing",
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout)
    assert options["pool"]["timeout"] == 3
    assert options["connect_timeout"] == 3
