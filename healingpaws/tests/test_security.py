import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "x7!k2@pq9#vz" * 5,
    "ALLOWED_HOSTS": "healingpaws.example",
    "SITE_URL": "https://healingpaws.example",
    "DATABASE_URL": "sqlite:////tmp/healingpaws-deploy-check.sqlite3",
}
REQUIRED = ["SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL"]


def _manage(*args, env):
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", *REQUIRED}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_check_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_names_every_missing_variable_in_one_line():
    result = _manage("check", env={"DEBUG": "false"})

    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "Healing Paws cannot start with DEBUG off: set SECRET_KEY, ALLOWED_HOSTS, "
        "SITE_URL (see README, Configuration)."
    ]


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_refuses_to_start_without_a_required_variable(missing):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert result.stderr.strip() == (
        f"Healing Paws cannot start with DEBUG off: set {missing} "
        "(see README, Configuration)."
    )


def test_production_refuses_a_site_url_that_is_not_a_url():
    result = _manage("check", env={**PRODUCTION_ENV, "SITE_URL": "healingpaws.example"})

    assert result.returncode != 0
    assert "SITE_URL (an absolute http(s) URL)" in result.stderr


PAGES = ["home", "terms", "account_login", "account_signup", "account_reset_password"]


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_pages_carry_a_csp_without_inline_script(client, page):
    response = client.get(reverse(page))

    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", policy).group(1)
    assert script_src.strip() == "'self'"
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES + ["accounts:profile", "admin:index"])
def test_no_page_has_an_inline_script(client, doctor, page):
    client.force_login(doctor)
    html = client.get(reverse(page)).content.decode()

    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


@pytest.mark.django_db
def test_a_hostile_translation_cannot_run_script_in_rosetta(client, translator):
    """A msgstr is shown unescaped by rosetta: the CSP is what stops it."""
    client.force_login(translator)

    response = client.get("/rosetta/files/project/")

    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_account_email_links_follow_the_scheme_of_site_url():
    show = (
        "from django.conf import settings; "
        "print(settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL)"
    )

    result = _manage("shell", "-c", show, env=PRODUCTION_ENV)

    assert result.stdout.splitlines()[-1] == "https", result.stderr
