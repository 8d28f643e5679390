"""Translation catalogs that translators change while the site runs.

Two promises (issue 11, items 8 and 25).

**A bad translation never takes a page down.** A msgstr whose placeholders
differ from its msgid's (``%(nom)s`` for ``%(name)s``, ``%s`` for ``%d``, a
lone ``%``, a lost ``{{filesize}}``) raises KeyError, TypeError or ValueError
where the string is formatted: in ``gettext(...) % {...}`` in views, forms and
admin actions, ``ngettext`` in pets/ages.py, ``blocktranslate`` in templates
(Django catches only KeyError and ValueError there). Rather than guard each of
those places, present and future, the check runs once where catalogs are
loaded: every DjangoTranslation Django builds is a ``CheckedTranslation``
(installed by ``install()`` from the admin app's ``ready()``), which drops --
and logs -- each entry whose placeholders differ from its msgid's. The lookup
then falls through to the English catalog, that is to the source text. The
JavaScript catalog view gets the same check (``CheckedJavaScriptCatalog``).
Compiled catalogs hold neither flags nor the plural msgid, so at run time a
msgid counts as formatted when it holds a placeholder, and a plural form is
compared with the singular and with the plural as the English identity catalog
gives it. Rosetta refuses such a msgstr before anything is written
(``CheckedTranslationFormView``, strict like ``msgfmt --check-format``); the
load check catches what reaches the files another way.

**A saved catalog takes effect in every process within seconds.** Rosetta
writes the .po and compiles the .mo itself (``ROSETTA_AUTO_COMPILE``); its
``post_save`` signal stores a new catalog version in the shared cache (Redis in
production). Whenever a language is activated -- every request, every chat
message, every e-mail a worker sends -- the process reads that version, at
most every ``RELOAD_CHECK_SECONDS``, and when it changed empties Django's
translation caches the way its autoreloader does, so the new catalogs load.
(A middleware would cover requests only: sockets and workers would keep the
old catalogs.) The JavaScript catalog's Last-Modified follows the version.
Every process must read the same ``locale/`` (one host, or a shared volume).
"""

import gettext as gettext_module
import logging
import re
import time
from collections import Counter
from datetime import UTC, datetime

from django.contrib import messages
from django.core.cache import cache
from django.utils.translation import gettext, trans_real
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog
from rosetta.views import TranslationFormView

logger = logging.getLogger("healingpaws.i18n")

CATALOG_VERSION_KEY = "i18n:catalog-version"
RELOAD_CHECK_SECONDS = 2.0
PROCESS_STARTED_AT = time.time()

PLACEHOLDERS_DIFFER_ERROR = _(
    "The translation of “%(msgid)s” was not saved: it must use the same "
    "placeholders as the English text (%(expected)s), found %(found)s."
)

# %(name)s, %s, %-5.2f, %% ... and, to be refused, a % followed by anything else.
_PERCENT = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"
    r"(?P<conversion>.?)",
    re.DOTALL,
)
_CONVERSIONS = set("diouxXeEfFgGcrsa%")
# {name}, {0}, {} (python-brace-format) and Dropzone's {{filesize}}.
_BRACES = re.compile(
    r"\{\{\s*\w+\s*\}\}|\{\w*(?:[.\[][^{}]*)?(?:![rsa])?(?::[^{}]*)?\}"
)
_MALFORMED = "malformed"


def _percent(text):
    """The %-placeholders of text: a set of named ones or a tuple of positional
    ones, _MALFORMED for what Python's % would refuse, None for none."""
    named, positional = set(), []
    for match in _PERCENT.finditer(text):
        conversion = match["conversion"]
        if conversion not in _CONVERSIONS:
            return _MALFORMED
        if conversion == "%":
            continue
        if match["name"] is None:
            positional.append(conversion)
        else:
            named.add((match["name"], conversion))
    if named and positional:
        return _MALFORMED
    return frozenset(named) if named else tuple(positional) or None


def _braces(text):
    return Counter(re.sub(r"\s", "", token) for token in _BRACES.findall(text))


def _describe(text):
    tokens = [match.group(0) for match in _PERCENT.finditer(text)]
    tokens += _BRACES.findall(text)
    return " ".join(sorted(set(tokens) - {"%%"})) or "—"


def placeholders_differ(msgid, msgstr, *, msgid_plural=None):
    """True if msgstr cannot stand in for msgid (or, for a plural form, for
    msgid_plural either) where the program formats it."""
    references = [msgid] if msgid_plural is None else [msgid, msgid_plural]
    if "%" in msgid or (msgid_plural and "%" in msgid_plural):
        found = _percent(msgstr)
        if found == _MALFORMED or all(found != _percent(ref) for ref in references):
            return True
    elif _percent(msgstr) not in (None, _MALFORMED):
        # A placeholder the program will not fill: a slip, never a translation.
        return True
    return "{" in msgid and all(_braces(msgstr) != _braces(ref) for ref in references)


# --- the load-time check --------------------------------------------------------


def _plural_reference(translation, msgid):
    """The English plural of msgid, from the identity catalog (locale/en)."""
    english = translation if translation._fallback is None else translation._fallback
    catalog = getattr(english, "_catalog", None) or {}
    plural = catalog.get((msgid, 1))
    return plural if plural and plural != msgid else None


def _unknown_plural_form_differs(msgid, msgstr):
    """A plural form of a msgid whose plural is unknown (a third-party catalog:
    "a minute ago" / "%(count)s minutes ago"): it may use what the singular
    uses, or anything well-formed when the singular names nothing."""
    found, given = _percent(msgstr), _percent(msgid)
    if found == _MALFORMED or given == _MALFORMED:
        return True
    if given is None or found is None:
        return False
    if isinstance(found, frozenset) and isinstance(given, frozenset):
        return not found <= given
    return found != given


def drop_mismatched_entries(translation):
    """Remove (and log) every entry of translation's merged catalog whose
    placeholders differ from its msgid's; lookups fall back to English."""
    catalog = translation._catalog
    if catalog is None:
        return
    language = translation.language()
    # The merged catalog's parts, first the one whose entries win (the
    # project's own locale/, then the apps', then Django's).
    parts = getattr(catalog, "_catalogs", [catalog])
    for position, entries in enumerate(parts):
        for key in list(entries):
            msgid, form = key if isinstance(key, tuple) else (key, None)
            msgstr = entries[key]
            if not msgid or ("%" not in msgid + msgstr and "{" not in msgid):
                continue
            source = msgid.split("\x04", 1)[-1]  # without its context
            plural = None if form is None else _plural_reference(translation, msgid)
            if form is not None and plural is None:
                bad = _unknown_plural_form_differs(source, msgstr)
            else:
                bad = placeholders_differ(source, msgstr, msgid_plural=plural)
            if bad:
                del entries[key]
                if any(key in earlier for earlier in parts[:position]):
                    # A catalog that wins (ours) has its own translation: the
                    # bad one was never shown, so it is not worth a warning at
                    # every start-up (allauth's zh-hans catalog has one).
                    continue
                logger.warning(
                    "Dropped the %s translation of %r (%r): its placeholders "
                    "differ from the source text's; the source text is shown.",
                    language,
                    source,
                    msgstr,
                )


class CheckedTranslation(trans_real.DjangoTranslation):
    """DjangoTranslation whose catalog has passed drop_mismatched_entries."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        drop_mismatched_entries(self)


_load_translation = trans_real.translation


def _translation(language):
    reload_if_changed()
    return _load_translation(language)


def install():
    """Make every translation Django loads from now on a CheckedTranslation,
    and check the catalog version whenever a language is activated.

    trans_real looks both names up in its module when it activates a language
    (activate, override) or builds one with its English fallback, so replacing
    them there is enough.
    """
    if trans_real.DjangoTranslation is not CheckedTranslation:
        trans_real.DjangoTranslation = CheckedTranslation
        trans_real.translation = _translation
        reload_translations()


class CheckedJavaScriptCatalog(JavaScriptCatalog):
    """/jsi18n/: the catalog without entries whose placeholders differ."""

    def get_context_data(self, **kwargs):
        drop_mismatched_entries(self.translation)
        return super().get_context_data(**kwargs)


# --- the version that tells every process to reload --------------------------------

_seen_version = None
_checked_at = float("-inf")


def catalog_version():
    """When a catalog last changed while the site ran (a timestamp), or None."""
    try:
        return cache.get(CATALOG_VERSION_KEY)
    except Exception as error:  # the cache is down: keep what is loaded
        logger.warning("The catalog version could not be read: %r", error)
        return None


def catalogs_changed(**kwargs):
    """Receiver of rosetta's post_save: every process reloads within seconds.

    With the cache away the save stands (rosetta has written and compiled the
    catalog); the other processes then show it after their next restart, and
    the translator is not promised otherwise.
    """
    try:
        cache.set(CATALOG_VERSION_KEY, time.time(), timeout=None)
    except Exception as error:
        logger.warning("The catalog version could not be stored: %r", error)
        return
    if request := kwargs.get("request"):
        messages.info(
            request,
            gettext("Saved. The site shows the new translations within seconds."),
        )


def reload_translations():
    """Forget loaded catalogs, as django.utils.translation.reloader does.

    The active translation of requests under way is left alone (they finish
    with the old catalog); every request activates its language afresh.
    """
    gettext_module._translations = {}
    trans_real._translations = {}
    trans_real._default = None


def reload_if_changed(*, now=None):
    """Reload the catalogs if another process saved one; reads the shared
    cache at most every RELOAD_CHECK_SECONDS."""
    global _seen_version, _checked_at
    now = time.monotonic() if now is None else now
    if now - _checked_at < RELOAD_CHECK_SECONDS:
        return
    _checked_at = now
    version = catalog_version()
    if version is not None and version != _seen_version:
        if _seen_version is not None or version > PROCESS_STARTED_AT:
            reload_translations()
        _seen_version = version


def loaded_at():
    """Last-Modified of the JavaScript catalog: the newer of the process start
    (a deploy) and the catalog version this process has loaded."""
    loaded = max(PROCESS_STARTED_AT, _seen_version or 0)
    return datetime.fromtimestamp(loaded, tz=UTC)


# --- rosetta ---------------------------------------------------------------------


class CheckedTranslationFormView(TranslationFormView):
    """Rosetta's translation form, refusing msgstrs whose placeholders differ.

    Rosetta has no validation hook (its signals fire after the change), so the
    POST is checked before rosetta sees it: the fields of a refused entry are
    taken out, the others are saved as usual, and the translator reads why on
    the page rosetta redirects to.
    """

    _field = re.compile(r"^m_([0-9a-f]+)(?:_([0-9]+))?$")

    def post(self, request, *args, **kwargs):
        refused = set()
        for name, value in request.POST.items():
            match = self._field.match(name)
            entry = match and self.po_file.find(match[1], "md5hash")
            if not entry or not value:
                continue
            if match[2] is None:
                msgstr = self.fix_nls(entry.msgid, value)
                bad = placeholders_differ(entry.msgid, msgstr)
            else:
                msgstr = self.fix_nls(entry.msgid_plural, value)
                bad = placeholders_differ(
                    entry.msgid, msgstr, msgid_plural=entry.msgid_plural
                )
            if bad:
                refused.add(match[1])
                messages.error(
                    request,
                    str(PLACEHOLDERS_DIFFER_ERROR)
                    % {
                        "msgid": entry.msgid,
                        "expected": _describe(entry.msgid_plural or entry.msgid),
                        "found": _describe(msgstr),
                    },
                )
        if refused:
            post = request.POST.copy()
            for name in list(post):
                match = self._field.match(name) or re.match(r"^f_([0-9a-f]+)$", name)
                if match and match[1] in refused:
                    del post[name]
            request.POST = post
        return super().post(request, *args, **kwargs)
