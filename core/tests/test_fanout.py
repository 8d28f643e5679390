"""The process's fan-out (core/fanout.py): one membership of a broadcast group
per process, every local socket hearing each event once and in order, even
a socket that must wait (a stale access check) or is holding its events."""

import asyncio
import gc
import weakref

import pytest
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer

from core.fanout import RELAY_BATCH, SharedGroupsMixin, fanout_of
from core.tests.layers import group_size

pytestmark = pytest.mark.asyncio
GROUP = "fanout-test"


class Page(SharedGroupsMixin):
    """A socket's side, without the socket: records what it is handed."""

    def __init__(self, *, inline=True, slow=0.0, fails=False):
        self.channel_layer = get_channel_layer()
        self.heard = []
        self.inline = inline
        self.slow = slow
        self.fails = fails

    def shared_inline_ok(self):
        return self.inline

    async def dispatch(self, event):
        if self.slow:  # asks the database first, say
            await asyncio.sleep(self.slow)
        if self.fails:
            raise RuntimeError("this page's handler failed")
        self.heard.append(event["n"])


async def send(*numbers):
    for n in numbers:
        await get_channel_layer().group_send(GROUP, {"type": "test.event", "n": n})


async def heard_by(pages, count, timeout=3):
    async with asyncio.timeout(timeout):
        while any(len(page.heard) < count for page in pages):
            await asyncio.sleep(0.01)
    return [page.heard for page in pages]


async def test_the_process_joins_a_group_once_and_every_page_hears_each_event():
    pages = [Page() for _ in range(3)]
    for page in pages:
        await page.join_shared(GROUP)

    assert await group_size(GROUP) == 1
    await send(1, 2, 3)
    assert await heard_by(pages, 3) == [[1, 2, 3]] * 3

    for page in pages:
        await page.leave_shared()
    assert await group_size(GROUP) == 0
    assert GROUP not in fanout_of(get_channel_layer()).groups


async def test_a_page_that_must_wait_hears_every_event_in_order():
    quick, waiting = Page(), Page(inline=False, slow=0.02)
    await quick.join_shared(GROUP)
    await waiting.join_shared(GROUP)

    await send(*range(10))

    assert await heard_by([quick, waiting], 10) == [list(range(10))] * 2
    await quick.leave_shared()
    await waiting.leave_shared()


async def test_events_wait_while_a_page_holds_them_then_come_in_order():
    page = Page()
    await page.join_shared(GROUP)

    with page.shared_held():
        await send(1, 2)
        await asyncio.sleep(0.2)
        assert page.heard == []
    await send(3)

    assert await heard_by([page], 3) == [[1, 2, 3]]
    await page.leave_shared()


async def test_a_failing_page_does_not_keep_the_event_from_the_others(caplog):
    broken, fine = Page(fails=True), Page()
    await broken.join_shared(GROUP)
    await fine.join_shared(GROUP)

    await send(1, 2)

    assert await heard_by([fine], 2) == [[1, 2]]
    assert "test.event failed" in caplog.text
    await broken.leave_shared()
    await fine.leave_shared()


async def test_the_loop_runs_between_batches_and_a_page_gone_meanwhile_hears_nothing():
    handed = []  # how many pages had the event when the loop first ran
    left = []

    async def first_turn():
        handed.append(sum(1 for page in pages if page.heard))
        # A page not handed the event yet closes in this turn.
        leaving = next(page for page in pages if not page.heard)
        left.append(leaving)
        await leaving.leave_shared()

    class Recording(Page):
        async def dispatch(self, event):
            await super().dispatch(event)
            if not any(page.heard for page in pages if page is not self):
                asyncio.ensure_future(first_turn())  # the first page

    pages = [Recording() for _ in range(RELAY_BATCH * 2 + 5)]
    for page in pages:
        await page.join_shared(GROUP)
    await send(1)
    async with asyncio.timeout(3):
        while not left or any(not p.heard for p in pages if p is not left[0]):
            await asyncio.sleep(0.01)

    assert handed == [RELAY_BATCH]
    staying = [page for page in pages if page not in left]
    assert [page.heard for page in staying] == [[1]] * len(staying)
    assert left[0].heard == []
    for page in staying:
        await page.leave_shared()


async def test_a_group_left_by_its_last_page_opens_again_for_the_next():
    first = Page()
    await first.join_shared(GROUP)
    await first.leave_shared()
    await send(1)  # nobody in the process listens

    second = Page()
    await second.join_shared(GROUP)
    await send(2)

    assert await heard_by([second], 1) == [[2]]
    await asyncio.sleep(0.1)
    assert first.heard == []
    assert second.heard == [2]
    await second.leave_shared()


async def test_on_the_pub_sub_layer_only_the_first_page_asks_redis(monkeypatch):
    # Its membership is the process's subscription, which lasts; each further
    # add only queued behind every opening socket's subscribing. The other
    # layers forget members (group_expiry), so every join adds again.
    layer = get_channel_layer()
    adds = []
    real_add = layer.group_add

    async def counted_add(group, channel):
        adds.append(group)
        await real_add(group, channel)

    monkeypatch.setattr(layer, "group_add", counted_add)
    pages = [Page() for _ in range(3)]
    for page in pages:
        await page.join_shared(GROUP)

    assert len(adds) == (1 if isinstance(layer, RedisPubSubChannelLayer) else 3)
    await send(1)
    assert await heard_by(pages, 1) == [[1]] * 3
    for page in pages:
        await page.leave_shared()
    assert await group_size(GROUP) == 0


async def test_a_page_that_left_after_an_event_is_not_kept_by_the_relay():
    """The relay's frame held the last page it handed an event to until the
    next event: a closed socket's consumer lived on meanwhile."""
    pages = [Page(), Page()]
    for page in pages:
        await page.join_shared(GROUP)
    del page  # the loop's variable, which may be the page that leaves
    await send(1)
    await heard_by(pages, 1)
    # The one handed the event last (the relay's order is the set's).
    *_, leaving = fanout_of(get_channel_layer()).groups[GROUP].members
    [staying] = [page for page in pages if page is not leaving]
    del pages
    await leaving.leave_shared()
    gone = weakref.ref(leaving)
    del leaving
    gc.disable()  # freed by its references alone, not by a collection
    try:
        assert gone() is None
    finally:
        gc.enable()
        await staying.leave_shared()
