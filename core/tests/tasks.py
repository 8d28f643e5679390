"""Tasks the background tests enqueue (the worker imports them by path)."""

from django.core.cache import cache
from django_tasks import task

from core.background import retrying_task

# How many times `flaky` fails before it succeeds, and what it did, in the
# cache: the worker may be another process.
FAILURES_KEY = "test-flaky-failures"
CALLS_KEY = "test-flaky-calls"


@retrying_task(max_attempts=3)
def flaky(label: str) -> str:
    cache.set(CALLS_KEY, [*cache.get(CALLS_KEY, []), label])
    failures = cache.get(FAILURES_KEY, 0)
    if failures:
        cache.set(FAILURES_KEY, failures - 1)
        raise ConnectionRefusedError("the mail server is away")
    return label


@task(backend="live")
def note_live(label: str) -> None:
    """A task of the "live" backend: notes that it ran."""
    cache.set(CALLS_KEY, [*cache.get(CALLS_KEY, []), label])
