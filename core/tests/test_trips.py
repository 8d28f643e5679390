"""Trips to a thread shared by the sockets that ask meanwhile (core/trips.py)."""

import asyncio

import pytest

from core.trips import Gathering, shared_trip

pytestmark = pytest.mark.asyncio


async def test_checks_that_come_together_share_a_trip_and_later_ones_the_next():
    trips = []
    started = asyncio.Event()

    async def trip(consumers):
        trips.append(list(consumers))
        started.set()
        await asyncio.sleep(0.05)
        return [(consumer, None) for consumer in consumers]

    first = [asyncio.ensure_future(shared_trip(c, trip)) for c in "abc"]
    await started.wait()
    later = [asyncio.ensure_future(shared_trip(c, trip)) for c in "de"]
    answers = await asyncio.gather(*first, *later)

    assert trips == [["a", "b", "c"], ["d", "e"]]
    assert answers == [(c, None) for c in "abcde"]


async def test_a_failed_trip_is_each_callers_error():
    async def trip(consumers):
        raise ConnectionError("the database is away")

    answers = await asyncio.gather(
        *(shared_trip(c, trip) for c in "ab"), return_exceptions=True
    )

    assert [type(answer) for answer in answers] == [ConnectionError] * 2


def recorded_trip():
    """A trip that answers each item with itself, and the batches it made."""
    trips = []

    async def trip(items):
        trips.append(list(items))
        return list(items)

    return trips, trip


async def test_a_gathering_trip_goes_as_soon_as_enough_have_asked():
    trips, trip = recorded_trip()
    # It would wait an hour for a third: the third's ask sends it.
    gathering = Gathering(items=3, seconds=3600)
    first = asyncio.ensure_future(shared_trip("a", trip, gathering))
    await asyncio.sleep(0.01)
    assert trips == []  # still waiting for company
    second = asyncio.ensure_future(shared_trip("b", trip, gathering))
    await asyncio.sleep(0.01)
    assert trips == []
    async with asyncio.timeout(10):  # a guard against a hang, not a speed check
        answers = await asyncio.gather(first, second, shared_trip("c", trip, gathering))

    assert trips == [["a", "b", "c"]]
    assert answers == ["a", "b", "c"]


async def test_a_gathering_trip_with_too_few_goes_after_its_seconds():
    trips, trip = recorded_trip()
    gathering = Gathering(items=10, seconds=0.05)
    async with asyncio.timeout(10):
        answers = await asyncio.gather(
            shared_trip("a", trip, gathering), shared_trip("b", trip, gathering)
        )
        later = await shared_trip("c", trip, gathering)

    assert trips == [["a", "b"], ["c"]]
    assert (answers, later) == (["a", "b"], "c")
