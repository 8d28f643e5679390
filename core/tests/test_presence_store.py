"""The presence store counts distinct users among the live entries, in
Redis as in memory (core/presence_store.py)."""

import pytest

from core import presence, presence_store


def test_a_user_with_two_sockets_counts_once_and_expired_entries_not(
    presence_store_of_each_kind,
):
    store = presence_store_of_each_kind
    now = 1_000_000.0
    store.put(presence.DOCTOR, "7:chat-a", now + 30)
    store.put(presence.DOCTOR, "7:chat-b", now + 30)
    store.put(presence.DOCTOR, "8:bell", now + 30)
    store.put(presence.DOCTOR, "9:crashed", now - 1)
    store.put(presence.DOCTOR, "10:closing", now + 30)
    store.remove(presence.DOCTOR, "10:closing")

    assert store.users(presence.DOCTOR, now) == 2
    # The expired entry is gone, not only left out.
    assert store.expire(presence.DOCTOR, now) == 0


def test_sockets_opening_together_enter_and_read_their_counts_at_once(
    presence_store_of_each_kind,
):
    store = presence_store_of_each_kind
    now = 1_000_000.0
    store.put(presence.DOCTOR, "7:bell", now + 30)
    store.put(presence.CUSTOMER, "8:bell", now + 30)
    store.put(presence.CUSTOMER, "9:crashed", now - 1)

    counts = store.enter_and_count(
        [
            (presence.DOCTOR, "10:chat", now + 30, presence.ROLES),
            # A socket that watches without counting (the front desk) enters
            # nothing; each entry sees those before it.
            (None, "11:desk", now + 30, presence.ROLES),
            (presence.CUSTOMER, "12:chat", now + 30, (presence.CUSTOMER,)),
        ],
        now,
    )

    # Doctors 7 and 10; customer 8 (9 expired); then customers 8 and 12.
    assert counts == [[2, 1], [2, 1], [2]]
    assert store.users(presence.DOCTOR, now) == 2
    assert store.users(presence.CUSTOMER, now) == 2


def test_redis_enters_without_asking_for_its_script_first_and_after_a_restart(
    settings,
):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    store = presence_store.store()
    now = 1_000_000.0
    for role in presence.ROLES:
        store.expire(role, float("inf"))
    asked = _script_exists_calls(store)
    # Redis restarted: it no longer knows the script.
    store.client.script_flush()

    first = store.enter_and_count(
        [(presence.DOCTOR, "10:chat", now + 30, presence.ROLES)], now
    )
    second = store.enter_and_count(
        [(presence.DOCTOR, "11:chat", now + 30, (presence.DOCTOR,))], now
    )

    assert (first, second) == ([[1, 0]], [[2]])
    assert store.users(presence.DOCTOR, now) == 2  # each entered once
    # A round trip less each time: the pipeline runs the script by its
    # hash, where redis-py's own asked Redis whether it knew it first.
    assert _script_exists_calls(store) == asked
    store.expire(presence.DOCTOR, float("inf"))


def _script_exists_calls(store):
    stats = store.client.info("commandstats")
    return stats.get("cmdstat_script|exists", {}).get("calls", 0)
