import difflib
import json
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from consultation.models import ThreadState
from consultation.tests.factories import MessageFactory, ThreadFactory
from core.background import run_ready_tasks
from pets.record import certificates, sharing
from pets.record.weights import weight_record
from pets.tests.factories import DoctorNoteFactory, PetFactory
from pets.tests.record_factories import CareDoseFactory, PrescriptionFactory
from pets.tests.test_record_documents import attach
from reservations import services
from reservations.models import State
from reservations.tests.factories import make_visit

from .visible import latin_words

LOCALE_DIR = settings.BASE_DIR / "locale"
DOMAINS = ("django", "djangojs")
HOME_TITLE_ZH = "用心呵护您所爱的动物"
RECORD_TABS = ("care", "weight", "medications", "documents", "sharing")


def _catalog(locale, domain):
    return polib.pofile(str(LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.po"))


# --- choosing the language ------------------------------------------------------


@pytest.mark.django_db
def test_a_first_visit_follows_the_browsers_language(client):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")

    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert HOME_TITLE_ZH in html


@pytest.mark.django_db
def test_an_english_browser_gets_english(client):
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()

    assert "Caring for the animals you love" in html


@pytest.mark.django_db
def test_the_switcher_keeps_the_choice_in_a_cookie(client):
    response = client.post(
        reverse("set_language"), {"language": "zh-hans", "next": "/terms/"}
    )

    assert response["Location"] == "/terms/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert HOME_TITLE_ZH in html


@pytest.mark.django_db
def test_the_switcher_keeps_a_users_choice_in_the_profile(customer_client, customer):
    customer_client.post(reverse("set_language"), {"language": "zh-hans"})

    customer.refresh_from_db()
    assert customer.preferred_language == "zh-hans"


@pytest.mark.django_db
def test_the_switcher_ignores_unknown_languages(customer_client, customer):
    customer_client.post(reverse("set_language"), {"language": "xx"})

    customer.refresh_from_db()
    assert customer.preferred_language == "en"


@pytest.mark.django_db
def test_the_switcher_only_takes_post(client):
    assert client.get(reverse("set_language"), {"language": "en"}).status_code == 405


@pytest.mark.django_db
def test_the_switcher_does_not_redirect_off_site(client):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example/"}
    )

    assert "evil.example" not in response["Location"]


@pytest.mark.django_db
def test_a_logged_in_users_profile_language_wins_on_a_new_device(client, customer):
    customer.preferred_language = "zh-hans"
    customer.save()
    client.force_login(customer)

    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")

    assert HOME_TITLE_ZH in response.content.decode()
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"


@pytest.mark.django_db
def test_allauth_pages_are_in_chinese(client):
    html = client.get(
        reverse("account_login"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    assert "登录" in html
    assert "Sign In" not in html


@pytest.mark.django_db
def test_the_admin_brand_translates(client, doctor):
    doctor.preferred_language = "zh-hans"
    doctor.save()
    client.force_login(doctor)

    html = client.get(reverse("admin:index")).content.decode()

    assert "愈爪宠物医院 — 医生工作台" in html


@pytest.mark.django_db
def test_the_404_page_speaks_both_languages(client):
    english = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert english.status_code == chinese.status_code == 404
    assert "Page not found" in english.content.decode()
    assert "页面未找到" in chinese.content.decode()


def test_the_500_page_speaks_both_languages():
    with translation.override("zh-hans"):
        chinese = render_to_string("500.html")
    with translation.override("en"):
        english = render_to_string("500.html")

    assert "出错了" in chinese
    assert "+86 21 5555 0199" in chinese
    assert "Something went wrong" in english


@pytest.mark.django_db
def test_account_emails_go_out_in_the_recipients_language(client, customer):
    customer.preferred_language = "zh-hans"
    customer.save()

    client.post(
        reverse("account_reset_password"),
        {"email": "alice@example.com"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    run_ready_tasks()

    assert mail.outbox[0].subject.startswith("[愈爪宠物医院] ")
    assert "密码" in mail.outbox[0].subject


@pytest.mark.django_db
def test_javascript_strings_come_from_the_catalog(client):
    response = client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    expected = json.dumps("请上传 JPEG、PNG 或 WebP 格式的图片。")  # as the JS holds it
    assert expected in response.content.decode()


@pytest.mark.django_db
def test_a_closed_consultation_is_not_called_a_day_off(customer_client, customer):
    thread = ThreadFactory(
        customer=customer, state=ThreadState.CLOSED, closed_at=timezone.now()
    )
    customer.preferred_language = "zh-hans"
    customer.save()

    thread_page = customer_client.get(reverse("consultation:detail", args=[thread.pk]))
    home = customer_client.get(reverse("home"))

    assert ">已关闭</span>" in thread_page.content.decode()
    assert "休息" not in thread_page.content.decode()
    with translation.override("zh-hans"):
        # A day without opening hours keeps its own word.
        assert translation.pgettext("opening hours", "Closed") == "休息"
    assert home.status_code == 200


# --- no English on Chinese pages ------------------------------------------------


@pytest.fixture
def chinese_site(customer, doctor, translator):
    """Users reading Chinese, and a pet, visits, a note and a thread to show."""
    for user in (customer, doctor):
        user.preferred_language = "zh-hans"
        user.save()
    pet = PetFactory(owner=customer, name="Rex")
    note = DoctorNoteFactory(pet=pet, author=doctor)
    current = make_visit(pet, state=State.CHECKED_IN)
    other_pet = PetFactory(owner=customer, name="Mimi")
    finished = make_visit(other_pet, state=State.FINISHED)  # no place: the "None"
    thread = ThreadFactory(customer=customer)
    message = MessageFactory(thread=thread)
    # The record: a dose, a weighing, a prescription, a document, a share link
    # and a certificate (their texts are the doctor's, not the site's).
    dose = CareDoseFactory(pet=pet, vet=doctor, item__name_zh_hans="狂犬病疫苗")
    weight_record(
        pet=pet,
        weight_kg=Decimal("12.5"),
        weighed_on=timezone.localdate(),
        by=doctor,
        source="doctor",
    )
    prescription = PrescriptionFactory(
        pet=pet, vet=doctor, drug="卡洛芬", dose="一片", frequency="每日两次"
    )
    document = attach(pet, doctor, title="血检报告")
    _share, share_token = sharing.share_create(pet=pet, by=customer, days=7)
    certificate = certificates.certificate_issue(pet=pet, by=customer)
    user_data = [note.text, current.symptoms, finished.symptoms, thread.subject]
    user_data += [dose.item.name, dose.batch_number, prescription.instructions]
    user_data += [document.title, certificate.code]
    user_data += [message.text, pet.breed, other_pet.breed]
    user_data += [pet.name, other_pet.name, pet.name[0], other_pet.name[0]]
    for user in (customer, doctor, translator):
        user_data += [user.username, user.email, user.name, user.initials]
    return {
        "pet": pet,
        "visit": current,
        "finished": finished,
        "thread": thread,
        "share_token": share_token,
        "certificate": certificate,
        "user_data": user_data,
    }


def _customer_pages(site):
    pet = reverse("pets:detail", args=[site["pet"].pk])
    return [
        reverse("home"),
        reverse("pets:list"),
        pet,
        *(f"{pet}?record={tab}" for tab in RECORD_TABS),
        reverse("pets:shared", args=[site["share_token"]]),
        f"{reverse('pets:verify')}?code={site['certificate'].code}",
        reverse("pets:edit", args=[site["pet"].pk]),
        reverse("pets:new"),
        reverse("reservations:list"),
        reverse("reservations:detail", args=[site["visit"].pk]),
        reverse("consultation:list"),
        reverse("consultation:detail", args=[site["thread"].pk]),
        reverse("account_email"),
        reverse("account_change_password"),
        reverse("accounts:access-log"),
    ]


def _visitor_pages(site):
    return [
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        "/accounts/password/reset/key/1-set-password/",  # a link that died
    ]


def _doctor_pages(site):
    visit, finished = site["visit"], site["finished"]
    return [
        reverse("admin:index"),
        reverse("admin:reservations_reservation_changelist"),
        reverse("admin:reservations_reservation_change", args=[visit.pk]),
        reverse("admin:reservations_reservation_change", args=[finished.pk]),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:pets_pet_change", args=[site["pet"].pk]),
        reverse("admin:consultation_thread_change", args=[site["thread"].pk]),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reader", "pages"),
    [
        ("customer", _customer_pages),
        ("visitor", _visitor_pages),
        ("doctor", _doctor_pages),
    ],
)
def test_chinese_pages_show_no_english_but_brands_and_user_data(
    client, chinese_site, customer, doctor, reader, pages
):
    if reader != "visitor":
        client.force_login({"customer": customer, "doctor": doctor}[reader])

    english = {}
    for url in pages(chinese_site):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)
        assert response.status_code == 200, url
        words = latin_words(
            response.content.decode(), user_data=chinese_site["user_data"]
        )
        if words:
            english[url] = words
    assert english == {}


@pytest.mark.django_db
def test_a_page_shows_its_dates_in_one_style(customer_client, customer, doctor):
    pet = PetFactory(owner=customer)
    visit = make_visit(pet, state=State.CHECKED_IN)
    # The visit's history (short dates) beside its time (long ones).
    services.reservation_triage(reservation=visit, triage="standard", by=doctor)

    for language, style in [
        ("en", r"[A-Z][a-z]+ \d{1,2}, \d{4}(, [\d:]+ [ap]\.m\.|, noon|, midnight)?"),
        ("zh-hans", r"\d{4}年\d{1,2}月\d{1,2}日( \d{2}:\d{2})?"),
    ]:
        customer.preferred_language = language
        customer.save()
        for url in [
            reverse("reservations:detail", args=[visit.pk]),
            reverse("pets:detail", args=[pet.pk]),
            reverse("pets:list"),
        ]:
            html = customer_client.get(url).content.decode()
            shown = re.findall(r"<time[^>]*>([^<]+)</time>", html)
            assert shown, url
            assert [d for d in shown if not re.fullmatch(style, d.strip())] == []


def test_the_photo_uploader_gives_dropzone_every_text_in_the_readers_language():
    dropzone = (
        settings.BASE_DIR / "node_modules" / "dropzone" / "dist" / "dropzone.js"
    ).read_text()
    script = (settings.BASE_DIR / "static" / "js" / "pet-photo.js").read_text()

    texts = set(re.findall(r"^\s*(dict\w+):\s*\"", dropzone, re.MULTILINE))
    given = set(re.findall(r"(dict\w+): gettext\(", script))
    assert texts
    assert texts - given == set()


# --- the catalogs ---------------------------------------------------------------


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_every_catalog_entry_is_translated(locale, domain):
    catalog = _catalog(locale, domain)

    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    obsolete = [entry.msgid for entry in catalog.obsolete_entries()]
    assert (untranslated, fuzzy, obsolete) == ([], [], [])


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_the_compiled_catalogs_match_their_sources(locale, domain):
    source = _catalog(locale, domain)
    compiled = polib.mofile(str(LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.mo"))

    def pairs(catalog):
        return {
            (entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural.get(0)
            for entry in catalog
            if entry.msgid
        }

    assert pairs(compiled) == pairs(source)


@pytest.mark.parametrize("domain", DOMAINS)
def test_translators_see_where_each_string_is_used(domain):
    """Locations name files only (bin/makemessages --add-location=file)."""
    catalog = _catalog("zh_Hans", domain)

    without = [entry.msgid for entry in catalog if not entry.occurrences]
    assert without == []
    assert all(line == "" for entry in catalog for _, line in entry.occurrences)


def test_one_word_for_two_things_has_a_context_each():
    catalog = _catalog("zh_Hans", "django")

    def msgstr(context, msgid):
        return catalog.find(msgid, msgctxt=context).msgstr

    assert msgstr("consultation", "Closed") == "已关闭"
    assert msgstr("opening hours", "Closed") == "休息"
    # No context-free catch-all left for the next use to pick up.
    assert [e for e in catalog if e.msgid == "Closed" and not e.msgctxt] == []


def _project_copy(tmp_path):
    """A copy of the sources and locale/, for bin/makemessages to rewrite.

    Not symlinks: manage.py and settings.py find the project (and LOCALE_PATHS)
    through their resolved paths, so a linked copy would rewrite the
    committed catalogs instead of checking them.
    """
    copy = tmp_path / "project"
    skipped = {".git", ".venv", "node_modules", "staticfiles", "media", "htmlcov"}
    shutil.copytree(
        settings.BASE_DIR,
        copy,
        ignore=lambda directory, names: [
            name
            for name in names
            if name in skipped or name.endswith("_cache") or name == "__pycache__"
        ],
    )
    return copy


def _entries(path):
    return {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(path))}


def test_bin_makemessages_changes_nothing_when_the_code_did_not_change(tmp_path):
    """A string added to or removed from the code but not the catalogs fails
    here (missing or stale), and so does a catalog that the next run would
    lay out differently (re-wrapped lines, moved locations). Fix: run
    bin/makemessages, translate, commit."""
    copy = _project_copy(tmp_path)

    subprocess.run(
        [copy / "bin" / "makemessages"],
        env={**os.environ, "PYTHON": sys.executable},
        check=True,
        capture_output=True,
    )

    for locale in ("en", "zh_Hans"):
        for domain in DOMAINS:
            relative = Path(locale) / "LC_MESSAGES" / f"{domain}.po"
            fresh, committed = copy / "locale" / relative, LOCALE_DIR / relative
            assert {
                "missing": _entries(fresh) - _entries(committed),
                "stale": _entries(committed) - _entries(fresh),
            } == {"missing": set(), "stale": set()}, relative
            changed = list(
                difflib.unified_diff(
                    committed.read_text().splitlines(),
                    fresh.read_text().splitlines(),
                    lineterm="",
                    n=1,
                )
            )
            assert changed == [], "\n".join([str(relative), *changed[:40]])


@pytest.mark.django_db
def test_switching_language_costs_no_validation_queries(
    customer_client, customer, django_assert_num_queries
):
    # Session, user and the update; full_clean() would add unique lookups.
    with django_assert_num_queries(3):
        customer_client.post(reverse("set_language"), {"language": "zh-hans"})


@pytest.mark.django_db
def test_the_javascript_catalog_is_revalidated_not_rebuilt(client):
    first = client.get(reverse("javascript-catalog"))

    again = client.get(
        reverse("javascript-catalog"), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )

    assert first.status_code == 200
    assert again.status_code == 304
