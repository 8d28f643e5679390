"""Trips to a thread shared by the sockets that ask meanwhile (core/trips.py)."""

import asyncio

import pytest

from core.trips import shared_trip

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
