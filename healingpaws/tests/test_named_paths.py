"""Every file path named in a comment, a docstring, a README or a requirements
file exists: a reference left behind by a move or a rename fails here."""

import ast
import io
import os
import re
import tokenize
from functools import cache
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[2]
# Installed, generated or translated: not where comments are written.
SKIPPED_DIRS = {
    ".git",
    ".venv",
    "node_modules",
    "staticfiles",
    "media",
    "locale",
    "__pycache__",
    ".ruff_cache",
    ".pytest_cache",
    ".import_linter_cache",
    "artifacts",
}
# A path is looked up from the repository, from the naming file's folder, and
# from the roots templates, static files and scripts are named from.
BASES = [Path("."), Path("templates"), Path("static"), Path("static/js")]
# Django's own templates, which comments name where the project's override or
# copy them (admin/app_list.html, django/forms/widgets/attrs.html): named from
# Django's package and from its template folders.
DJANGO = Path(django.__file__).parent
DJANGO_TEMPLATES = [DJANGO / "forms" / "templates", DJANGO / "contrib" / "admin"]
# The project's shared documents live beside the repository, in the folder
# `shared` next to it.
SHARED_DOCUMENTS = {"PRODUCT.md", "PITFALLS.md", "STYLE.md"}
EXTENSIONS = "py|js|html|txt|toml|conf|md|json|css|sh|yml|yaml|cfg|ini|po|mo"
URL = re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
# A path with folders (ending in a name or a slash), a folder, a file name.
PATH = re.compile(
    rf"[\w.-]+(?:/[\w.-]+)+/?|[\w.-]+/(?![\w.-])|[\w.-]+\.(?:{EXTENSIONS})\b"
)
# A path right after or before these is a URL path (/pets/new/), a pattern
# (<app>/tests/, */consumers.py, {name}.html) or a variable ($HOME/...).
NOT_A_PATH_BEFORE = set("/<*{$~@:.")
NOT_A_PATH_AFTER = set("<*{}>")


def _python(text):
    """Comments and docstrings (module, class, function)."""
    found = [
        (token.start[0], token.string)
        for token in tokenize.generate_tokens(io.StringIO(text).readline)
        if token.type == tokenize.COMMENT
    ]
    for node in ast.walk(ast.parse(text)):
        if isinstance(
            node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
        ) and (docstring := ast.get_docstring(node, clean=False)):
            found.append((node.body[0].lineno, docstring))
    return found


def _matches(pattern, text):
    return [
        (text.count("\n", 0, match.start()) + 1, match.group())
        for match in re.finditer(pattern, text, re.DOTALL)
    ]


def _javascript(text):
    return _matches(r"/\*.*?\*/|(?<![:\\\"'])//[^\n]*", text)


def _template(text):
    return _matches(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}|<!--.*?-->", text)


def _hash_comments(text):
    return _matches(r"(?:^|(?<=\s))#[^\n]*", text)


def _whole(text):
    return [(1, text)]


def _reader(path):
    name, top = path.name, path.parts[0]
    if name.endswith(".py"):
        return _python
    if name.endswith(".js"):
        return _javascript
    if name.endswith(".html"):
        return _template
    if name.endswith(".md") or name.startswith("requirements"):
        return _whole
    if top in ("bin", ".ci") or name in ("Procfile", ".gitignore"):
        return _hash_comments
    if name.endswith((".toml", ".conf", ".yml", ".yaml", ".cfg", ".sh")):
        return _hash_comments
    return None


def _files():
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            yield (Path(folder) / name).relative_to(ROOT)


def _ignored_by_git():
    """The generated folders .gitignore names (/e2e/artifacts/): a README
    may say where they appear."""
    lines = (ROOT / ".gitignore").read_text().splitlines()
    return tuple(line.strip("/") for line in lines if line.endswith("/"))


def _exists(name, naming_file, file_names, ignored):
    if "/" not in name:
        # A bare name: some file of the repository ends with it (a suffix
        # such as _message.txt after a pattern counts).
        return (
            name in SHARED_DOCUMENTS
            or any(file.endswith(name) for file in file_names)
            or name in _django_template_names()
        )
    if name.startswith("../shared/") and name[len("../shared/") :] in (
        SHARED_DOCUMENTS
    ):
        return True
    bases = [ROOT / naming_file.parent] + [ROOT / base for base in BASES]
    bases += [*DJANGO_TEMPLATES, DJANGO / "contrib" / "admin" / "templates"]
    return name.strip("/").startswith(ignored) or any(
        (base / name).exists() for base in bases
    )


@cache
def _django_template_names():
    return {path.name for base in DJANGO_TEMPLATES for path in base.rglob("*.html")}


def _named_paths(text):
    text = URL.sub(lambda url: " " * len(url.group()), text)  # offsets kept
    for match in PATH.finditer(text):
        name = match.group().rstrip(".")
        before = text[match.start() - 1 : match.start()]
        after = text[match.end() : match.end() + 1]
        if before in NOT_A_PATH_BEFORE or after in NOT_A_PATH_AFTER:
            continue
        first = name.split("/")[0]
        if name.endswith("/") and not (ROOT / first).exists():
            continue  # a URL path without its leading slash (ws/bench/echo/)
        if (
            "/" in name
            and "." not in name.rsplit("/", 1)[-1]
            and not name.endswith("/")
        ):
            continue  # a/b without an extension: a route, a MIME type, a ratio
        yield match.start(), name


def test_every_path_named_in_comments_readmes_and_requirements_exists():
    files = list(_files())
    file_names = {path.name for path in files}
    ignored = _ignored_by_git()
    missing = []
    for path in files:
        reader = _reader(path)
        if reader is None:
            continue
        for line, text in reader((ROOT / path).read_text(errors="replace")):
            for offset, name in _named_paths(text):
                if not _exists(name, path, file_names, ignored):
                    where = line + text.count("\n", 0, offset)
                    missing.append(f"{path}:{where}: {name}")

    assert missing == []


def test_the_path_check_finds_what_it_looks_for():
    """The check itself: a path in a comment is found, URLs and patterns are not."""
    text = (
        "# see accounts/images.py and static/js/live.js, deploy/nginx.conf;\n"
        "# not https://example.com/a/b.py, /reservations/, <app>/tests/x.py,\n"
        "# */consumers.py, text/html, ws/bench/echo/ or 1/2"
    )

    names = [name for _, name in _named_paths(text)]

    assert names == ["accounts/images.py", "static/js/live.js", "deploy/nginx.conf"]
    assert not _exists("bench/nowhere.py", Path("bench/chat.py"), set(), ())
    assert _exists("bench/chat.py", Path("README.md"), set(), ())
