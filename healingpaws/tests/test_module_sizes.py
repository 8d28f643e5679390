"""No module grows past what a reader takes in at once (issue 12): a Python
module outside migrations and tests over 400 lines becomes a package, a script
under static/js over 250 lines is split."""

from healingpaws.tests.test_named_paths import ROOT, _files

PYTHON_MAX_LINES = 400
JAVASCRIPT_MAX_LINES = 250
NOT_COUNTED = {"migrations", "tests", "e2e"}


def _lines(path):
    with path.open(encoding="utf-8") as text:
        return sum(1 for _ in text)


def _too_long(paths, limit):
    return sorted(
        f"{path}: {lines} lines"
        for path in paths
        if (lines := _lines(ROOT / path)) > limit
    )


def test_no_python_module_is_over_400_lines():
    modules = [
        path
        for path in _files()
        if path.suffix == ".py" and not set(path.parts) & NOT_COUNTED
    ]

    assert modules
    assert _too_long(modules, PYTHON_MAX_LINES) == []


def test_no_script_is_over_250_lines():
    scripts = [
        path
        for path in _files()
        if path.parts[:2] == ("static", "js") and path.suffix == ".js"
    ]

    assert scripts
    assert _too_long(scripts, JAVASCRIPT_MAX_LINES) == []
