"""healingpaws/environment.py: how settings.py reads required variables, and
what settings.py makes of DEBUG."""

import os
import subprocess
import sys

import environ
import pytest
from django.conf import settings

from healingpaws.environment import RequiredVariables, comma_list
from healingpaws.tests.test_security import PRODUCTION_ENV


def test_with_debug_on_an_unset_variable_takes_its_development_default(monkeypatch):
    monkeypatch.delenv("HP_TEST_REQUIRED", raising=False)
    required = RequiredVariables(environ.Env(), debug=True)

    assert required("HP_TEST_REQUIRED", "dev") == "dev"
    required.check()  # nothing missing: no exit


def test_with_debug_off_every_missing_variable_is_named_in_one_line(monkeypatch):
    monkeypatch.setenv("HP_TEST_BLANK", "  ")
    monkeypatch.setenv("HP_TEST_SET", " value ")
    required = RequiredVariables(environ.Env(), debug=False)

    assert required("HP_TEST_BLANK", "dev") == ""
    assert required("HP_TEST_SET", "dev") == "value"
    required.refuse("HP_TEST_URL (an absolute URL)")
    with pytest.raises(SystemExit) as stopped:
        required.check()

    assert str(stopped.value) == (
        "Healing Paws cannot start with DEBUG off: set HP_TEST_BLANK, "
        "HP_TEST_URL (an absolute URL) (see README, Configuration)."
    )


def test_a_comma_list_drops_blanks_and_spaces():
    assert comma_list(" a, b,,c , ") == ["a", "b", "c"]


def _settings_printed(names, **env):
    """The settings as a fresh process reads them from `env` (settings.py
    runs once per process, so it is read in another one)."""
    unset = {"DEBUG", "MFA_REQUIRED_FOR_STAFF", "SECRET_KEY", "ALLOWED_HOSTS"}
    clean = {key: value for key, value in os.environ.items() if key not in unset}
    code = (
        "from django.conf import settings as s; print("
        + ", ".join(f"s.{name}" for name in names)
        + ")"
    )
    result = subprocess.run(  # noqa: S603 (the project's own command)
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[-1].split()


def test_with_debug_off_staff_must_use_a_second_factor():
    names = ["MFA_REQUIRED_FOR_STAFF", "MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN"]

    assert _settings_printed(names, **PRODUCTION_ENV) == ["True", "False"]
    assert _settings_printed(names, DEBUG="true") == ["False", "True"]
