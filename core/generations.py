"""Values kept in the shared cache until what they were made of changes.

A value (the navbar's count of a user, a rendered part of a page) is kept
under the current generations of the names it depends on; whatever may
change what a name covers (a message, a visit, a pet) starts a new generation
of that name (inside a transaction a "changing" one until the commit, see
generations_changed), and the next reader makes the value afresh. So a
reader never gets a value older than the last change that committed before
it (it reads the generations before it makes the value, and a value stored
under an older generation is never used), and between changes it asks the
database nothing. A generation is a random token, not a number: one lost
from the cache (evicted, or the cache emptied) cannot come back and make an
old value current again.

When the cache is away the value is made afresh, as without this module; a
new generation that could not be stored (Redis paused or stopped while
something changed) is stored as soon as the cache answers again: at this
process's next use of it, or by a retry a few seconds later, whichever comes
first. (A value stored before the outage would otherwise be used after it,
though what it shows had changed.) Should the process end first, the value
goes when its timeout does.

Without REDIS_URL (development) nothing is kept: the cache is then each
process's own memory, where a change made by the worker or a management
command (the demo's seeding) would never reach the server's values. The
setting GENERATIONS_CACHED overrides that (the tests, one process, set it).

A change that no signal tells (a queryset's .update(), a bulk_create) must
start the generations itself: core.page_parts.PagePartsQuerySet does it for
update().
"""

import contextlib
import logging
import secrets
import threading
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger("healingpaws.generations")

# How long a value stays in the cache without a change: only to let the
# entries of users who left go.
TIMEOUT_SECONDS = 600
# A generation goes when nothing has changed for a day (a per-user one's
# would otherwise stay for good): the next reader starts a new one, and the
# values stored under the old one are never used again.
GENERATION_SECONDS = 24 * 3600


# A generation whose change is not committed yet: its token starts so, and
# it lasts this long should the commit never come (a rollback).
CHANGING = "changing:"
CHANGING_SECONDS = 60

# How soon a process retries storing the generations it could not store.
RETRY_SECONDS = 5.0

# Generations started while the cache was away, to store when it is back.
_pending: set[str] = set()
_pending_lock = threading.Lock()
_retry_armed = False


def _generation_key(name):
    return f"generation:{name}"


def generations_cached() -> bool:
    """Whether values are kept in the cache (not without REDIS_URL, unless
    GENERATIONS_CACHED says so)."""
    return getattr(settings, "GENERATIONS_CACHED", bool(settings.REDIS_URL))


def cached_value(
    key: str,
    names: Iterable[str],
    make: Callable[[], object],
    *,
    timeout: int = TIMEOUT_SECONDS,
):
    """The value under `key`: from the cache if none of the generations
    `names` has changed since it was stored, else `make()`, stored for the
    next readers (for `timeout` seconds at most). One round trip to the
    cache when the value is kept."""
    generation_keys = [_generation_key(name) for name in names]
    generations, value = _look_up(key, generation_keys)
    if value is not NOT_KEPT:
        return value
    if generations is None or any(_changing(g) for g in generations):
        # Nothing to keep under: the cache is away or not used, or a change
        # is not committed yet (or committed a moment ago), and what the
        # database says is read.
        return make()
    if None in generations:
        try:
            generations = _started(generation_keys, generations)
        except Exception:
            logger.warning("%s: no generation", key, exc_info=True)
            return make()
    value = make()
    try:
        cache.set(key, (generations, value), timeout)
    except Exception:
        logger.warning("%s not cached", key, exc_info=True)
    return value


# What _look_up() answers for a value that is not kept.
NOT_KEPT = object()


def look_up_value(key: str, names: Iterable[str]) -> tuple:
    """(the generations `names` now, the value kept under them or NOT_KEPT),
    for a caller that reads what the value shows only after this, and keeps
    what it makes with keep_value() under these generations."""
    return _look_up(key, [_generation_key(name) for name in names])


def keep_value(key: str, names: Iterable[str], generations, value, timeout) -> None:
    """Keep `value`, made from what was read after look_up_value() answered
    `generations`. Not when they could not be read or a change was under
    way; and a generation that was missing is started, but nothing is kept
    under it this time: started now, it could be newer than what was read."""
    if generations is None or any(_changing(g) for g in generations):
        return
    if None in generations:
        try:
            _started([_generation_key(name) for name in names], generations)
        except Exception:
            logger.warning("%s: no generation", key, exc_info=True)
        return
    try:
        cache.set(key, (generations, value), timeout)
    except Exception:
        logger.warning("%s not cached", key, exc_info=True)


def _look_up(key, generation_keys) -> tuple:
    """(the current generations, the value kept under them or NOT_KEPT), in
    one round trip; the generations are None when nothing kept can be
    trusted (values not cached, the cache away, a change not told yet). A
    value is never stored under a changing generation."""
    if not generations_cached():
        return None, NOT_KEPT
    if _pending and not _store_pending():
        return None, NOT_KEPT  # a change is not told yet
    try:
        found = cache.get_many([*generation_keys, key])
    except Exception:
        logger.warning("%s not read from the cache", key, exc_info=True)
        return None, NOT_KEPT
    generations = tuple(found.get(k) for k in generation_keys)
    stored = found.get(key)
    if None not in generations and stored is not None and stored[0] == generations:
        return generations, stored[1]
    return generations, NOT_KEPT


def _started(generation_keys, generations):
    """The generations, with the missing ones started (or another process's,
    if it started one first)."""
    for generation_key, generation in zip(generation_keys, generations, strict=True):
        if generation is None:
            cache.add(generation_key, secrets.token_hex(8), GENERATION_SECONDS)
    found = cache.get_many(generation_keys)
    generations = tuple(found.get(k) for k in generation_keys)
    if None in generations:
        raise LookupError("a generation was not kept")
    return generations


def generations_changed(*names: str, using: str | None = None) -> None:
    """Every value kept under the generations `names` is made afresh, from
    now on. Inside a transaction the generations are "changing" until the
    commit: readers meanwhile make their value from the database and keep
    nothing, so no value made before the change is visible is kept under a
    generation that outlives it (a page redrawn between the commit and this
    process's after-commit work, at a push the worker sent at once, would
    have kept the old page). A transaction rolled back leaves them changing
    for CHANGING_SECONDS, then they start anew."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        _new_generations(names)
        return
    renewal = _renewal_at_commit(connection, using)
    if not getattr(settings, "GENERATIONS_WAIT_FOR_COMMIT", True):
        # The tests': their transaction never commits, so each change is
        # told at once, as outside one.
        renewal.names.update(names)
        _new_generations(names)
        return
    # A name already changing in this transaction is not told again (its
    # readers keep nothing until the commit); the commit renews them all in
    # one round trip (a chat message changed three names in six trips before
    # its pages heard it, issue 14).
    changed = set(names) - renewal.names
    if changed:
        renewal.names.update(changed)
        told_later = getattr(connection, "generations_told_together", None)
        if told_later is not None:
            told_later.update(changed)
        else:
            _new_generations(changed, changing=True)


@contextlib.contextmanager
def changes_told_together(using: str | None = None):
    """Inside a transaction: the generations changed in the block are marked
    changing in one round trip as it ends, not one trip each (a chat message
    changes three, through signals and the notification it sends). The
    block must end before the commit, which is all a changing mark has to
    come before: what changed is not visible to readers until then."""
    connection = transaction.get_connection(using)
    if getattr(connection, "generations_told_together", None) is not None:
        yield  # told by the outer block
        return
    connection.generations_told_together = names = set()
    try:
        yield
    finally:
        # Also when the block fails: a mark too many costs a redrawn part.
        connection.generations_told_together = None
        if names:
            _new_generations(names, changing=True)


class _Renewal:
    """The generations a transaction changed, renewed once at its commit."""

    def __init__(self):
        self.names: set[str] = set()

    def __call__(self):
        _new_generations(self.names)


def _renewal_at_commit(connection, using) -> _Renewal:
    """The transaction's renewal, registered with its first change. One of a
    transaction that ended, or of a savepoint rolled back, is no longer among
    the connection's commit hooks (Django's run_on_commit, a list of
    (savepoint ids, hook, robust)): a new one is registered."""
    renewal = getattr(connection, "generations_renewal", None)
    if renewal is None or not any(
        hook is renewal for _ids, hook, _robust in connection.run_on_commit
    ):
        renewal = connection.generations_renewal = _Renewal()
        transaction.on_commit(renewal, using=using)
    return renewal


def _changing(generation):
    return generation is not None and generation.startswith(CHANGING)


def _new_generations(names, *, changing=False):
    try:
        _store(names, changing=changing)
    except Exception:
        logger.warning("generations %s not renewed yet", names, exc_info=True)
        with _pending_lock:
            _pending.update(names)
        _retry_later()


def _store(names, *, changing=False):
    prefix = CHANGING if changing else ""
    cache.set_many(
        {_generation_key(name): prefix + secrets.token_hex(8) for name in names},
        timeout=CHANGING_SECONDS if changing else GENERATION_SECONDS,
    )


def _store_pending() -> bool:
    """Store the generations started while the cache was away; whether none
    is left."""
    with _pending_lock:
        names = set(_pending)
    if not names:
        return True
    try:
        _store(names)
    except Exception:
        return False
    with _pending_lock:
        _pending.difference_update(names)
    logger.info("generations %s renewed after the cache came back", names)
    return True


def _retry_later():
    """One retry at a time per process, until the pending ones are stored."""
    global _retry_armed
    with _pending_lock:
        if _retry_armed:
            return
        _retry_armed = True

    def retry():
        global _retry_armed
        stored = _store_pending()
        with _pending_lock:
            _retry_armed = False
        if not stored:
            _retry_later()

    timer = threading.Timer(RETRY_SECONDS, retry)
    timer.daemon = True  # never holds up the process's exit
    timer.start()
