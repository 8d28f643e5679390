"""Pushes to open pages over the channel layer, after the commit.

A service calls these inside its transaction; the push happens once the
transaction commits, so a page never hears of a change that was rolled back,
and never before the change can be read. Pushes are best effort: a page that
missed one (a Redis blip, a full channel) is right on its next load, and the
change that made the push never fails for it.

Two ways out. What tells other people's pages of a change (a notification, the
doctors' dashboard) is a task on the "live" backend (push_later, and the tasks
of the apps): the request that made the change neither waits for Redis nor
builds the pushes; the worker's live lane sends them (core/background.py).
(A socket's database call hands its pushes to the event loop and does not
wait: there a merged push goes straight out, see MergedPush.) What the user's
own exchange needs at once goes straight from the process after the commit
(push_after_commit): the chat's messages and read marks, whose delay is the
conversation's, and the closing of a signed-out user's sockets.

push_merged_after_commit() makes one push per transaction for a group however
many changes ask for it, merging what they name (the doctors' dashboard: a bulk
action must not make every open page fetch itself once per visit). The merged
push is queued when the transaction commits, for only then is all it names
known; a process that dies in that instant loses the push, not the change.
"""

import logging
import weakref
from collections.abc import Callable, Iterable
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django_tasks import task

from .trips import loop_sends

logger = logging.getLogger("healingpaws.realtime")


def push(group: str, event: dict, *, label: str, log=logger) -> None:
    """Send `event` to `group` now; a failure is logged as "<label> not sent".
    From a socket's database call, its event loop sends it and the call's
    thread goes on (core.trips.loop_sends)."""
    try:
        if (sends := loop_sends()) is not None:
            sends.add(_send(group, event, label=label, log=log))
        else:
            async_to_sync(get_channel_layer().group_send)(group, event)
    except Exception:
        log.warning("%s not sent", label, exc_info=True)


async def _send(group, event, *, label, log):
    try:
        await get_channel_layer().group_send(group, event)
    except Exception:
        log.warning("%s not sent", label, exc_info=True)


@task(backend="live")
def push_later(group: str, event: dict, label: str) -> None:
    """push(), on the live lane (enqueue it inside the transaction)."""
    push(group, event, label=label)


def push_after_commit(group: str, event: dict, *, label: str, log=logger) -> None:
    """After the commit, send `event` to `group` (outside a transaction: now)."""
    transaction.on_commit(partial(push, group, event, label=label, log=log))


def push_merged_after_commit(
    group: str,
    event_type: str,
    *,
    label: Callable[[dict], str],
    log=logger,
    **values: Iterable[str],
) -> None:
    """After the commit, send one event of `event_type` to `group` for the
    whole transaction: each keyword names a list of strings, and the event
    carries the sorted union of what every call of the transaction gave.
    `label(event)` names the push in the log if it fails."""
    key = ("merged", group, event_type)
    pending = _pending.setdefault(transaction.get_connection(), {})
    merged = pending[key]() if key in pending else None
    if merged is None or merged.sent:
        # The first of this transaction (the last was sent, or rolled back).
        merged = MergedPush(group, event_type, label=label, log=log)
        pending[key] = weakref.ref(merged)
        merged.add(values)
        transaction.on_commit(merged)  # outside a transaction: sent right away
    else:
        merged.add(values)


def once_after_commit(key: tuple, func: Callable[[], None]) -> None:
    """After the commit, call `func` once for the whole transaction however
    many calls of it give the same `key` (closing a user's sockets)."""
    pending = _pending.setdefault(transaction.get_connection(), {})
    waiting = pending[key]() if key in pending else None
    if waiting is not None and not waiting.sent:
        return
    once = _Once(func)
    pending[key] = weakref.ref(once)
    transaction.on_commit(once)  # outside a transaction: called right away


class _Once:
    def __init__(self, func):
        self.func = func
        self.sent = False

    def __call__(self):
        self.sent = True
        self.func()


# What waits for the commit, by key, per database connection (one a thread:
# the connection holds the transaction's on_commit list). Only a weak
# reference: the on_commit list holds the callback, and a
# rollback (of the transaction, or of the savepoint that registered it) drops
# it from the list, and so frees it; the next change then registers a new one
# instead of adding to a push that will never be sent.
_pending: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class MergedPush:
    """The one push of a transaction to a group; `values` is what it names."""

    def __init__(self, group, event_type, *, label, log):
        self.group, self.event_type = group, event_type
        self.label, self.log = label, log
        self.values: dict[str, set[str]] = {}
        self.sent = False

    def add(self, values):
        for name, items in values.items():
            self.values.setdefault(name, set()).update(str(item) for item in items)

    def event(self) -> dict:
        names = {name: sorted(items) for name, items in self.values.items()}
        return {"type": self.event_type, **names}

    def __call__(self):
        self.sent = True
        event = self.event()
        label = self.label(event)
        if loop_sends() is not None:
            # A socket's database call (a chat message's): its event loop
            # sends the push and the thread does not wait, so the worker's
            # lane would only add a task row to write and read back (a round
            # trip on every message's way, issue 14).
            push(self.group, event, label=label, log=self.log)
            return
        try:
            push_later.enqueue(self.group, event, label)
        except Exception:
            self.log.warning("%s not queued", label, exc_info=True)
