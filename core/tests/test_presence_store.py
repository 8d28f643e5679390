"""The presence store counts distinct users among the live entries, in
Redis as in memory (core/presence_store.py)."""

from core import presence


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
