"""Trips off the event loop that the sockets asking meanwhile share (issue 14).

A socket's access check (core.access_checks), its admission when it opens,
and its presence entry (core.presence) each need a trip to a thread: the
database, or Redis through a blocking client. Two hundred sockets opening
or re-checking at once made two hundred trips, each a hop to a thread and
back, every hop waiting behind the others for the thread and the GIL. Here
the sockets that ask while a trip is under way wait for the next one, which
answers all of them: one hop, one round of queries or one pipeline.
"""

import asyncio
import contextvars
import weakref


async def shared_trip(item, run_trip):
    """The answer for `item` (a consumer) of a trip shared with the others of
    this event loop that ask meanwhile: `run_trip(items)` (async, through a
    thread) answers a list with the answer, or the exception, for each item,
    in order; an exception it raises is every caller's."""
    by_trip = _trips.setdefault(asyncio.get_running_loop(), {})
    trips = by_trip.get(run_trip)
    if trips is None:
        trips = by_trip[run_trip] = _Trips(run_trip)
    return await trips.ask(item)


class _Trips:
    def __init__(self, run_trip):
        self.run_trip = run_trip
        self.waiting = []  # (item, future) for the next trip
        self.making = None  # the task making trips while any wait

    async def ask(self, item):
        future = asyncio.get_running_loop().create_future()
        self.waiting.append((item, future))
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


# Per event loop (each test runs its own) and kind of trip.
_trips: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = (
    weakref.WeakKeyDictionary()
)
