"""Parts of pages kept rendered (core/page_parts.py, core/generations.py): a
part is kept until one of its generations changes, per user, and carries no
CSRF token of its own."""

import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache, caches
from django.db import transaction
from django.middleware.csrf import get_token
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from accounts.tests.factories import UserFactory
from core import generations
from core.generations import (
    cached_value,
    changes_told_together,
    generations_changed,
)
from core.page_parts import csrf_placeholder

pytestmark = pytest.mark.django_db

PART = Template(
    "{% load page_parts %}"
    '{% cached_part "test-part" generations %}'
    "{{ made.next }}<form>{% csrf_token %}</form>"
    "{% endcached_part %}"
)


class Counter:
    """Counts how often the part is made (the template reads `next`)."""

    def __init__(self):
        self.made = 0

    @property
    def next(self):
        self.made += 1
        return self.made


def page(user, made, generations=("g",)):
    request = RequestFactory().get("/")
    request.user = user
    token = get_token(request)
    context = Context(
        {
            "request": request,
            "generations": list(generations),
            "made": made,
            "csrf_token": token,
        }
    )
    return PART.render(context), token


def test_a_value_is_kept_until_one_of_its_generations_changes():
    calls = []

    def make():
        calls.append(1)
        return len(calls)

    assert cached_value("k", ["a", "b"], make) == 1
    assert cached_value("k", ["a", "b"], make) == 1
    generations_changed("b")
    assert cached_value("k", ["a", "b"], make) == 2
    assert cached_value("k", ["a", "b"], make) == 2


def test_a_change_inside_a_transaction_is_told_again_after_the_commit(
    django_capture_on_commit_callbacks,
):
    made = iter(range(10))
    with django_capture_on_commit_callbacks(execute=True):
        generations_changed("a")
        # Another request reads the value before the commit, with the old data.
        assert cached_value("k", ["a"], lambda: next(made)) == 0
        assert cached_value("k", ["a"], lambda: next(made)) == 0
    assert cached_value("k", ["a"], lambda: next(made)) == 1


def test_a_lost_generation_never_brings_an_old_value_back():
    assert cached_value("k", ["a"], lambda: "old") == "old"
    cache.delete("generation:a")
    assert cached_value("k", ["a"], lambda: "new") == "new"


def test_a_part_is_rendered_once_for_its_user_and_again_after_a_change():
    alice, bob = UserFactory(), UserFactory()
    made = Counter()
    assert page(alice, made)[0].startswith("1")
    assert page(alice, made)[0].startswith("1")
    assert page(bob, made)[0].startswith("2")  # each user their own
    generations_changed("g")
    assert page(alice, made)[0].startswith("3")


def test_a_part_is_kept_per_language():
    alice, made = UserFactory(), Counter()
    page(alice, made)
    with translation.override("zh-hans"):
        assert page(alice, made)[0].startswith("2")
    assert page(alice, made)[0].startswith("1")


def test_each_page_gets_its_own_csrf_token_and_the_kept_part_holds_none(
    monkeypatch,
):
    kept = {}
    keep = cache.set

    def spy(key, value, *args, **kwargs):
        kept[key] = value
        return keep(key, value, *args, **kwargs)

    monkeypatch.setattr(cache, "set", spy)
    alice, made = UserFactory(), Counter()
    first, first_token = page(alice, made)
    second, second_token = page(alice, made)

    assert first_token != second_token
    assert f'value="{first_token}"' in first
    assert f'value="{second_token}"' in second
    assert first.startswith("1")
    assert second.startswith("1")  # the same rendering
    ((_generations, html),) = [
        value for key, value in kept.items() if key.startswith("page-part:test-part")
    ]
    assert csrf_placeholder() in html
    assert first_token not in html


def test_anonymous_visitors_get_the_part_rendered_each_time():
    made = Counter()
    assert page(AnonymousUser(), made)[0].startswith("1")
    assert page(AnonymousUser(), made)[0].startswith("2")


def test_without_a_shared_cache_the_part_is_rendered_each_time(settings):
    settings.GENERATIONS_CACHED = False
    alice, made = UserFactory(), Counter()
    assert page(alice, made)[0].startswith("1")
    assert page(alice, made)[0].startswith("2")


def test_a_cache_that_fails_leaves_the_part_rendered(monkeypatch):
    def away(*args, **kwargs):
        raise ConnectionError("Redis is away")

    monkeypatch.setattr(cache, "get_many", away)
    alice, made = UserFactory(), Counter()
    assert page(alice, made)[0].startswith("1")
    assert page(alice, made)[0].startswith("2")


@pytest.fixture
def nothing_pending():
    yield
    generations._pending.clear()


def _away(*args, **kwargs):
    raise ConnectionError("Redis is away")


def test_a_change_told_while_the_cache_was_away_is_stored_when_it_answers(
    monkeypatch, nothing_pending
):
    """Redis paused while a visit changed: the value kept before must not be
    used once Redis answers again."""
    assert cached_value("k", ["a"], lambda: "before") == "before"
    store = generations._store
    monkeypatch.setattr(generations, "_retry_later", lambda: None)
    monkeypatch.setattr(generations, "_store", _away)
    generations_changed("a")  # not stored
    assert cached_value("k", ["a"], lambda: "while away") == "while away"

    monkeypatch.setattr(generations, "_store", store)
    assert cached_value("k", ["a"], lambda: "after") == "after"
    assert cached_value("k", ["a"], lambda: "again") == "after"
    assert not generations._pending


def test_the_retry_stores_the_pending_generations(monkeypatch, nothing_pending):
    cached_value("k", ["a"], lambda: "before")
    store = generations._store
    monkeypatch.setattr(generations, "RETRY_SECONDS", 0.05)
    monkeypatch.setattr(generations, "_store", _away)
    generations_changed("a")
    monkeypatch.setattr(generations, "_store", store)

    for _ in range(100):
        if not generations._pending:
            break
        time.sleep(0.02)
    assert not generations._pending
    assert cached_value("k", ["a"], lambda: "after") == "after"


@pytest.mark.django_db(transaction=True)
def test_nothing_is_kept_while_a_change_is_not_committed(settings):
    """A reader between a change and its commit (or between the commit and
    this process's after-commit work) reads afresh and keeps nothing: a
    value made from the data before the change never outlives it."""
    settings.GENERATIONS_WAIT_FOR_COMMIT = True
    cached_value("k", ["a"], lambda: "before")
    with transaction.atomic():
        generations_changed("a")
        assert cached_value("k", ["a"], lambda: "during") == "during"
        assert cached_value("k", ["a"], lambda: "not kept") == "not kept"
    assert cached_value("k", ["a"], lambda: "after") == "after"
    assert cached_value("k", ["a"], lambda: "again") == "after"


@pytest.mark.django_db(transaction=True)
def test_a_change_rolled_back_keeps_nothing_for_a_while_then_starts_anew(
    settings, monkeypatch
):
    settings.GENERATIONS_WAIT_FOR_COMMIT = True
    cached_value("k", ["a"], lambda: "before")
    timeouts = []
    backend = caches["default"]
    keep = backend.set_many

    def spy(data, timeout=None, **kwargs):
        timeouts.append(timeout)
        return keep(data, timeout=timeout, **kwargs)

    monkeypatch.setattr(backend, "set_many", spy)

    def change_and_fail():
        with transaction.atomic():
            generations_changed("a")
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        change_and_fail()
    assert timeouts == [generations.CHANGING_SECONDS]  # the commit never came
    assert cached_value("k", ["a"], lambda: "changing") == "changing"

    cache.delete("generation:a")  # as its short timeout does

    assert cached_value("k", ["a"], lambda: "anew") == "anew"
    assert cached_value("k", ["a"], lambda: "again") == "anew"


@pytest.fixture
def stored_generations(monkeypatch):
    """The generation names of each set_many the cache is asked, in turn."""
    calls = []
    backend = caches["default"]
    keep = backend.set_many

    def spy(data, timeout=None, **kwargs):
        calls.append(sorted(key.removeprefix("generation:") for key in data))
        return keep(data, timeout=timeout, **kwargs)

    monkeypatch.setattr(backend, "set_many", spy)
    return calls


@pytest.mark.django_db(transaction=True)
def test_a_transactions_changes_are_renewed_together_at_its_commit(
    settings, stored_generations
):
    settings.GENERATIONS_WAIT_FOR_COMMIT = True
    cached_value("k", ["a", "b", "c"], lambda: "before")
    with transaction.atomic():
        generations_changed("a")
        generations_changed("b", "a")
        generations_changed("a")
        assert cached_value("k", ["a", "b", "c"], lambda: "during") == "during"
        generations_changed("c")

    # Each name marked changing once, then one renewal of all three.
    assert stored_generations == [["a"], ["b"], ["c"], ["a", "b", "c"]]
    assert cached_value("k", ["a", "b", "c"], lambda: "after") == "after"
    assert cached_value("k", ["a", "b", "c"], lambda: "again") == "after"


@pytest.mark.django_db(transaction=True)
def test_changes_told_together_are_marked_in_one_trip_before_the_commit(
    settings, stored_generations
):
    settings.GENERATIONS_WAIT_FOR_COMMIT = True
    cached_value("k", ["a", "b"], lambda: "before")
    with transaction.atomic():
        with changes_told_together():
            generations_changed("a")
            generations_changed("b", "a")
            assert stored_generations == []  # not yet: the block goes on
        assert stored_generations == [["a", "b"]]
        assert cache.get("generation:a").startswith(generations.CHANGING)
        assert cached_value("k", ["a", "b"], lambda: "during") == "during"

    assert stored_generations == [["a", "b"], ["a", "b"]]  # then renewed
    assert cached_value("k", ["a", "b"], lambda: "after") == "after"
    assert cached_value("k", ["a", "b"], lambda: "again") == "after"


@pytest.mark.django_db(transaction=True)
def test_changes_told_together_are_marked_when_the_block_fails(
    settings, stored_generations
):
    settings.GENERATIONS_WAIT_FOR_COMMIT = True

    def change_and_fail():
        with transaction.atomic(), changes_told_together():
            generations_changed("a")
            raise RuntimeError("failed")

    with pytest.raises(RuntimeError):
        change_and_fail()
    assert stored_generations == [["a"]]  # changing, and never renewed


@pytest.mark.django_db(transaction=True)
def test_a_change_after_a_savepoint_rolled_back_is_still_renewed(
    settings, stored_generations
):
    settings.GENERATIONS_WAIT_FOR_COMMIT = True

    def change_in_a_savepoint_and_fail():
        with transaction.atomic():
            generations_changed("a")
            raise RuntimeError("savepoint rolled back, its commit hook with it")

    with transaction.atomic():
        with pytest.raises(RuntimeError):
            change_in_a_savepoint_and_fail()
        generations_changed("a")
        cached_value("k", ["a"], lambda: "during")

    assert stored_generations[-1] == ["a"]  # renewed at the commit
    assert not cache.get("generation:a").startswith(generations.CHANGING)
    assert cached_value("k", ["a"], lambda: "after") == "after"
    assert cached_value("k", ["a"], lambda: "again") == "after"


@pytest.mark.django_db(transaction=True)
def test_the_next_transaction_renews_its_own_changes(settings, stored_generations):
    settings.GENERATIONS_WAIT_FOR_COMMIT = True
    with transaction.atomic():
        generations_changed("a")
    with transaction.atomic():
        generations_changed("a")

    assert stored_generations == [["a"], ["a"], ["a"], ["a"]]
