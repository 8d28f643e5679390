"""Count pushes from the sockets are coalesced (issue 14): a burst of pages
opening pushes each role's count at most once per BROADCAST_SECONDS, and the
last push carries the count after the burst."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from core import presence

pytestmark = pytest.mark.asyncio


class Layer:
    """The group sends a socket makes, recorded."""

    def __init__(self):
        self.sent = []

    async def group_send(self, group, event):
        self.sent.append((group, event["count"]))


def enter(user_id):
    presence.presence_enter(
        role=presence.DOCTOR, user_id=user_id, channel=f"tab-{user_id}", publish=False
    )


async def test_a_burst_of_doctors_makes_two_count_pushes_not_one_each(monkeypatch):
    monkeypatch.setattr(presence, "BROADCAST_SECONDS", 0.3)
    layer = Layer()

    for user_id in range(1, 11):  # ten doctors open a page at once
        await sync_to_async(enter)(user_id)
        await presence.publish_soon(layer, (presence.DOCTOR,))

    doctors = presence.presence_group(presence.DOCTOR)
    # The first at once; the other nine wait for the interval.
    assert layer.sent == [(doctors, 1)]
    await asyncio.sleep(0.5)
    # Then one push, with the count as it is then.
    assert layer.sent == [(doctors, 1), (doctors, 10)]


async def test_a_change_after_the_interval_is_pushed_at_once(monkeypatch):
    monkeypatch.setattr(presence, "BROADCAST_SECONDS", 0.2)
    layer = Layer()
    await sync_to_async(enter)(1)
    await presence.publish_soon(layer, (presence.DOCTOR,))
    await asyncio.sleep(0.3)

    await sync_to_async(enter)(2)
    await presence.publish_soon(layer, (presence.DOCTOR,))

    assert [count for _group, count in layer.sent] == [1, 2]


async def test_an_unchanged_count_is_not_pushed_again(monkeypatch):
    monkeypatch.setattr(presence, "BROADCAST_SECONDS", 0)
    layer = Layer()
    await sync_to_async(enter)(1)
    await presence.publish_soon(layer, (presence.DOCTOR,))
    await sync_to_async(enter)(1)  # a heartbeat: the same count
    await presence.publish_soon(layer, (presence.DOCTOR,))

    assert [count for _group, count in layer.sent] == [1]
