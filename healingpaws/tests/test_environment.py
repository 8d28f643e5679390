"""healingpaws/environment.py: how settings.py reads required variables."""

import environ
import pytest

from healingpaws.environment import RequiredVariables, comma_list


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
