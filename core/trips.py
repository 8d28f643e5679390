"""The sockets' trips off the event loop (issue 14).

Their database work runs on threads of their own (socket_database). And a
socket's access check (core.access_checks), its admission when it opens,
and its presence entry (core.presence) each need a trip to such a thread:
the database, or Redis through a blocking client. Two hundred sockets
opening or re-checking at once made two hundred trips, each a hop to a
thread and back, every hop waiting behind the others for the thread and the
GIL. So the sockets that ask while a trip is under way wait for the next
one, which answers all of them: one hop, one round of queries or one
pipeline (shared_trip).
"""

import asyncio
import concurrent.futures
import contextvars
import functools
import weakref
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.db import close_old_connections

# The sockets' database work (the connect's one trip, the checks at frames,
# pushes and heartbeats, the chat's posts and read marks) runs on these few
# threads of its own, not on the one thread that asgiref's sync_to_async
# shares with every other socket and handler: there a chat post queued behind
# 200 connects and access checks (issue 14). Each call closes its connection
# as it ends (database_sync_to_async does, and with CONN_MAX_AGE 0 it goes
# back to the pool), so these threads hold no connection between calls. Two:
# two cores, and the HTTP side may take all but one of the pool's connections
# (WEB_CONCURRENCY_LIMIT).
SOCKET_DATABASE_THREADS = 2
_socket_database = ThreadPoolExecutor(
    SOCKET_DATABASE_THREADS, thread_name_prefix="socket-database"
)


def socket_database(func):
    """database_sync_to_async on the sockets' own threads (above). The
    function closes what it leaves open itself, from inside the call: on
    these threads Channels' own clean-up around it missed the call's
    connection (asgiref runs the call in a copy of the caller's context),
    which stayed open, and PostgreSQL's test database was left "in use".

    What the call sends over the channel layer (core.realtime.push, after
    its commit) the event loop sends, and the thread goes on: see
    loop_sends(). The call returns once they are sent (a chat post's ack
    follows its broadcast, as before); an error or a cancelled caller does
    not wait for them, and they are sent all the same."""

    @functools.wraps(func)
    def closing(*args, **kwargs):
        close_old_connections()
        try:
            return func(*args, **kwargs)
        finally:
            close_old_connections()

    in_thread = database_sync_to_async(
        closing, thread_sensitive=False, executor=_socket_database
    )

    @functools.wraps(func)
    async def call(*args, **kwargs):
        sends = _LoopSends(asyncio.get_running_loop())
        # The thread runs in a copy of this context, and so sees it.
        token = _loop_sends.set(sends)
        try:
            result = await in_thread(*args, **kwargs)
        finally:
            _loop_sends.reset(token)
        await sends.done()
        return result

    return call


def loop_sends() -> "_LoopSends | None":
    """Inside a socket_database call (on its thread), where to hand what it
    sends to the event loop; else None.

    A send from the thread (async_to_sync) waited for the loop, which was
    busy handing the last message to 200 pages: at 35 messages a second the
    sockets' two threads spent more than half their time so, the next post
    waiting for a free one (issue 14, bench/README.md)."""
    return _loop_sends.get()


class _LoopSends:
    def __init__(self, loop):
        self.loop = loop
        self.sending: list[concurrent.futures.Future] = []

    def add(self, send: Coroutine) -> None:
        """Run `send` (a coroutine that handles its own errors) on the
        loop, in the order added; from the call's thread. RuntimeError when
        the loop has closed (the server stopping)."""
        try:
            future = asyncio.run_coroutine_threadsafe(send, self.loop)
        except RuntimeError:
            send.close()  # never to run: no "never awaited" warning
            raise
        # Kept until it ends, should the caller be gone (cancelled).
        _sending.add(future)
        future.add_done_callback(_sending.discard)
        self.sending.append(future)

    async def done(self):
        for future in self.sending:
            await asyncio.wrap_future(future)


_loop_sends: contextvars.ContextVar["_LoopSends | None"] = contextvars.ContextVar(
    "loop_sends", default=None
)
_sending: set[concurrent.futures.Future] = set()


@dataclass(frozen=True)
class Gathering:
    """How long a kind of trip waits for company before it goes: until
    `items` ask, or `seconds` have passed. By default it goes at once."""

    items: int = 1
    seconds: float = 0.0


AT_ONCE = Gathering()


async def shared_trip(item, run_trip, gathering=AT_ONCE):
    """The answer for `item` (a consumer) of a trip shared with the others of
    this event loop that ask meanwhile: `run_trip(items)` (async, through a
    thread) answers a list with the answer, or the exception, for each item,
    in order; an exception it raises is every caller's. A kind of trip (its
    `run_trip`) keeps the `gathering` of its first call."""
    by_trip = _trips.setdefault(asyncio.get_running_loop(), {})
    trips = by_trip.get(run_trip)
    if trips is None:
        trips = by_trip[run_trip] = _Trips(run_trip, gathering)
    return await trips.ask(item)


class _Trips:
    def __init__(self, run_trip, gathering):
        self.run_trip = run_trip
        self.gathering = gathering
        self.waiting = []  # (item, future) for the next trip
        self.making = None  # the task making trips while any wait
        self.gathered = None  # a future while a trip waits for company

    async def ask(self, item):
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((item, future))
        gathered = self.gathered  # a trip waiting for company: enough now?
        enough = len(self.waiting) >= self.gathering.items
        if gathered and enough and not gathered.done():
            gathered.set_result(None)
        if self.making is None or self.making.done():
            # A context of its own, not the first caller's copied: the trips
            # serve every socket, and none of one socket's context variables
            # (Django keeps database connections in them) belongs there.
            self.making = asyncio.get_running_loop().create_task(
                self._make_trips(), context=contextvars.Context()
            )
        return await future

    async def _make_trips(self):
        # The items that come due in this turn of the loop (a broadcast hands
        # its event to every page in one turn; an admission trip lets its
        # sockets go on together) go in the first trip.
        await asyncio.sleep(0)
        while self.waiting:
            await self._gather()
            batch, self.waiting = self.waiting, []
            try:
                answers = await self.run_trip([item for item, _ in batch])
            except Exception as error:  # the database away: each caller hears it
                answers = [error] * len(batch)
            for (_item, future), answer in zip(batch, answers, strict=True):
                if future.done():  # its caller was cancelled (the socket closed)
                    continue
                if isinstance(answer, Exception):
                    future.set_exception(answer)
                else:
                    future.set_result(answer)

    async def _gather(self):
        if len(self.waiting) >= self.gathering.items:
            return
        self.gathered = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(self.gathering.seconds):
                await self.gathered
        except TimeoutError:
            pass
        finally:
            self.gathered = None


# Per event loop (each test runs its own) and kind of trip.
_trips: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = (
    weakref.WeakKeyDictionary()
)
