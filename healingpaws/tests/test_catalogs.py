"""Catalogs that translators change while the site runs (healingpaws/catalogs.py).

Every test works on a copy of locale/ (settings.LOCALE_PATHS): rosetta writes
the files it is given.
"""

import difflib
import hashlib
import logging
import shutil
from email.utils import parsedate_to_datetime

import polib
import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from healingpaws import catalogs
from healingpaws.catalogs import placeholders_differ
from pets.tests.factories import PetFactory

LOCALE_DIR = django_settings.BASE_DIR / "locale"


@pytest.fixture
def locale_copy(tmp_path, settings, monkeypatch):
    copy = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, copy)
    settings.LOCALE_PATHS = [copy]
    # Rosetta also looks beside the project package: keep it off the real files.
    settings.ROSETTA_EXCLUDED_PATHS = [str(LOCALE_DIR)]
    monkeypatch.setattr(catalogs, "_seen_version", None)
    monkeypatch.setattr(catalogs, "_checked_at", float("-inf"))
    # Loaded a minute ago: a save now is newer to the second (Last-Modified).
    monkeypatch.setattr(catalogs, "PROCESS_STARTED_AT", catalogs.time.time() - 60)
    catalogs.reload_translations()
    yield copy
    catalogs.reload_translations()


def _po(locale_dir, domain="django"):
    return locale_dir / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"


def _set_msgstr(locale_dir, msgid, msgstr, *, domain="django"):
    """What a translator's text editor (or a merge) may leave in a catalog."""
    path = _po(locale_dir, domain)
    catalog = polib.pofile(str(path), wrapwidth=0)
    entry = catalog.find(msgid)
    if entry.msgid_plural:
        entry.msgstr_plural = {0: msgstr}
    else:
        entry.msgstr = msgstr
    catalog.save()
    catalog.save_as_mofile(str(path.with_suffix(".mo")))
    catalogs.reload_translations()


def _field(locale_dir, msgid, *, domain="django"):
    """The name rosetta gives an entry's input: m_ and a hash of its text."""
    entry = polib.pofile(str(_po(locale_dir, domain))).find(msgid)
    text = entry.msgid + entry.msgstr + (entry.msgctxt or "")
    return "m_" + hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _rosetta_form(domain="django"):
    index = {"django": 0, "djangojs": 1}[domain]
    return reverse(
        "rosetta-form",
        kwargs={"po_filter": "project", "lang_id": "zh-hans", "idx": index},
    )


@pytest.fixture
def translator_client(translator):
    client = Client()
    client.force_login(translator)
    return client


# --- which translations fit their source -------------------------------------


@pytest.mark.parametrize(
    ("msgid", "msgstr"),
    [
        ("%(name)s has been saved.", "已保存 %(nom)s。"),
        ("%(name)s has been saved.", "已保存。"),
        ("Queue for %s", "%d 的队列"),
        ("Free times on %s:", "%s 的空闲时间：%s"),
        ("Up %(pct)d%%", "上升 %(pct)d%"),
        ("Save", "保存 %s"),
        ("The image is {{filesize}} MB.", "图片大小为 {{size}} MB。"),
        ("Hello {name}", "你好"),
    ],
)
def test_a_translation_with_other_placeholders_does_not_fit(msgid, msgstr):
    assert placeholders_differ(msgid, msgstr)


@pytest.mark.parametrize(
    ("msgid", "msgstr", "plural"),
    [
        ("%(name)s has been saved.", "%(name)s 已保存。", None),
        ("%(a)s to %(b)s", "%(b)s 至 %(a)s", None),
        ("Up %(pct)d%%", "上升 %(pct)d%%", None),
        ("%(count)d year", "%(count)d 岁", "%(count)d years"),
        ("a minute ago", "%(count)s 分钟前", "%(count)s minutes ago"),
        ("The image is {{filesize}} MB.", "图片大小为 {{filesize}} MB。", None),
        ("Save", "保存", None),
    ],
)
def test_a_translation_with_the_same_placeholders_fits(msgid, msgstr, plural):
    assert not placeholders_differ(msgid, msgstr, msgid_plural=plural)


# --- a bad catalog never becomes a 500 ----------------------------------------


@pytest.mark.django_db
def test_a_bad_placeholder_in_the_catalog_shows_the_english_text(
    locale_copy, customer_client, customer, caplog
):
    customer.preferred_language = "zh-hans"
    customer.save()
    pet = PetFactory(owner=customer, name="Rex")
    _set_msgstr(locale_copy, "%(count)d year", "%(cnt)d 岁")
    _set_msgstr(
        locale_copy,
        "%(name)s has been archived. Its records are kept.",
        "%(nom)s 已归档",
    )

    with caplog.at_level(logging.WARNING, logger="healingpaws.i18n"):
        archived = customer_client.post(
            reverse("pets:archive", args=[pet.pk]), follow=True
        )
        pet_page = customer_client.get(reverse("pets:detail", args=[pet.pk]))

    assert archived.status_code == pet_page.status_code == 200
    assert "Rex has been archived. Its records are kept." in archived.content.decode()
    assert "3 years" in pet_page.content.decode()
    assert "我的宠物" in pet_page.content.decode()  # the rest stays Chinese
    assert "%(nom)s" in caplog.text
    assert "%(cnt)d" in caplog.text


@pytest.mark.django_db
def test_a_bad_placeholder_in_the_javascript_catalog_is_left_out(locale_copy, client):
    _set_msgstr(
        locale_copy,
        "The image is {{filesize}} MB; the limit is {{maxFilesize}} MB.",
        "图片大小为 {{size}} MB。",
        domain="djangojs",
    )

    response = client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200
    assert "{{size}}" not in response.content.decode()


# --- rosetta refuses them --------------------------------------------------------


@pytest.mark.django_db
def test_rosetta_refuses_a_translation_whose_placeholders_differ(
    locale_copy, translator_client
):
    before = _po(locale_copy).read_bytes()
    field = _field(locale_copy, "%(name)s has been archived. Its records are kept.")

    response = translator_client.post(
        _rosetta_form(), {field: "%(nom)s 已归档"}, follow=True
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "was not saved: it must use the same placeholders" in html
    assert "%(name)s" in html
    assert _po(locale_copy).read_bytes() == before


@pytest.mark.django_db
def test_rosetta_saves_the_good_translations_beside_a_refused_one(
    locale_copy, translator_client
):
    bad = _field(locale_copy, "%(name)s has been saved.")
    good = _field(locale_copy, "My pets")

    translator_client.post(
        _rosetta_form(), {bad: "已保存 %(nom)s。", good: "我的毛孩子"}
    )

    catalog = polib.pofile(str(_po(locale_copy)))
    assert catalog.find("My pets").msgstr == "我的毛孩子"
    committed = polib.pofile(str(_po(LOCALE_DIR)))
    saved_text = "%(name)s has been saved."
    assert catalog.find(saved_text).msgstr == committed.find(saved_text).msgstr


@pytest.mark.django_db
def test_rosetta_offers_only_the_chinese_catalogs(locale_copy, translator_client):
    html = translator_client.get(
        reverse("rosetta-file-list", kwargs={"po_filter": "project"})
    ).content.decode()

    assert "/zh-hans/0/" in html
    assert "/zh-hans/1/" in html
    assert "/en/" not in html


# --- a saved catalog reaches the running site ----------------------------------


@pytest.mark.django_db
def test_a_translation_saved_in_rosetta_shows_without_a_restart(
    locale_copy, translator_client, client, customer
):
    customer.preferred_language = "zh-hans"
    customer.save()
    client.force_login(customer)
    assert "我的宠物" in client.get(reverse("pets:list")).content.decode()
    scripts = client.get(reverse("javascript-catalog"))

    saved = translator_client.post(
        _rosetta_form(), {_field(locale_copy, "My pets"): "我的毛孩子"}, follow=True
    )
    catalogs._checked_at = float("-inf")  # the next check is due
    page = client.get(reverse("pets:list")).content.decode()
    scripts_again = client.get(
        reverse("javascript-catalog"), HTTP_IF_MODIFIED_SINCE=scripts["Last-Modified"]
    )

    assert "within seconds" in saved.content.decode()
    assert "我的毛孩子" in page
    assert scripts_again.status_code == 200
    assert parsedate_to_datetime(scripts_again["Last-Modified"]) > (
        parsedate_to_datetime(scripts["Last-Modified"])
    )


@pytest.mark.django_db
def test_a_worker_without_requests_gets_the_saved_translation_too(
    locale_copy, translator_client
):
    with translation.override("zh-hans"):
        assert translation.gettext("My pets") == "我的宠物"  # loaded before

    field = _field(locale_copy, "My pets")
    translator_client.post(_rosetta_form(), {field: "我的毛孩子"})
    catalogs._checked_at = float("-inf")  # the next check is due

    # What a worker does to send an e-mail in its reader's language.
    with translation.override("zh-hans"):
        assert translation.gettext("My pets") == "我的毛孩子"


@pytest.mark.django_db
def test_a_process_reads_the_catalog_version_at_most_every_two_seconds(
    locale_copy, monkeypatch
):
    reads = []
    monkeypatch.setattr(catalogs, "catalog_version", lambda: reads.append(1) or 1e12)

    catalogs.reload_if_changed(now=100.0)
    catalogs.reload_if_changed(now=101.0)
    catalogs.reload_if_changed(now=102.5)

    assert len(reads) == 2


@pytest.mark.django_db
def test_a_rosetta_save_rewrites_only_what_changed(locale_copy, translator_client):
    """Rosetta and bin/makemessages lay catalogs out alike (item 2): a save
    touches the entry and rosetta's header lines, nothing is re-wrapped."""
    before = _po(locale_copy).read_text().splitlines()

    translator_client.post(
        _rosetta_form(), {_field(locale_copy, "My pets"): "我的毛孩子"}
    )

    after = _po(locale_copy).read_text().splitlines()
    changed = [
        line for line in difflib.ndiff(before, after) if line.startswith(("- ", "+ "))
    ]
    header = ("Last-Translator", "PO-Revision-Date", "X-Translated-Using")
    assert [line for line in changed if not any(h in line for h in header)] == [
        '- msgstr "我的宠物"',
        '+ msgstr "我的毛孩子"',
    ]


@pytest.mark.django_db
def test_pages_keep_their_catalogs_while_the_cache_is_away(
    locale_copy, client, monkeypatch, caplog
):
    def unreachable(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(catalogs.cache, "get", unreachable)

    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200
    assert "首页" in response.content.decode() or "愈爪" in response.content.decode()
    assert "catalog version could not be read" in caplog.text


def test_a_rosetta_save_with_the_cache_away_stands_and_is_logged(monkeypatch, caplog):
    # The receiver runs after rosetta has written the catalog: raising here
    # answered the translator's save with a 500.
    def unreachable(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(catalogs.cache, "set", unreachable)

    catalogs.catalogs_changed()

    assert "catalog version could not be stored" in caplog.text


class _MergedTranslation:
    """The two parts drop_mismatched_entries reads of a DjangoTranslation."""

    def __init__(self, *parts):
        self._catalog = type("Catalog", (), {"_catalogs": list(parts)})()

    def language(self):
        return "zh-hans"


def test_a_bad_entry_that_our_catalog_overrides_is_dropped_without_a_warning(caplog):
    ours = {"Hello %(name)s": "你好 %(name)s"}
    theirs = {"Hello %(name)s": "你好 %(nom)s", "Bye %(name)s": "再见 %(nom)s"}
    with caplog.at_level(logging.WARNING, logger="healingpaws.i18n"):
        catalogs.drop_mismatched_entries(_MergedTranslation(ours, theirs))
    assert ours == {"Hello %(name)s": "你好 %(name)s"}
    assert theirs == {}
    # Only the entry that would have been shown is worth a warning.
    assert "Bye" in caplog.text
    assert "Hello" not in caplog.text
