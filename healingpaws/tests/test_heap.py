"""Full garbage collections at quiet moments of the event loop
(healingpaws/heap.py), with the interpreter's own collector."""

import asyncio
import gc
import weakref

import pytest

from healingpaws import heap


class _Loop:
    """The parts of an asyncio loop the collections use: its clock, its timer
    and its queue of callbacks ready to run in this turn (`_ready`)."""

    def __init__(self):
        self.now = 0.0
        self._ready = []
        self.next_check_in = None

    def time(self):
        return self.now

    def call_later(self, delay, callback):
        self.next_check_in = delay
        return _Handle()


class _Handle:
    def cancel(self):
        pass


class _Cycle:
    def __init__(self):
        self.me = self


@pytest.fixture
def loop():
    return _Loop()


@pytest.fixture
def collections(loop):
    gc.collect()  # a full pass just made: no young pass counted yet
    gc.disable()  # and none but the tests' own
    collections = heap.QuietFullCollections(loop)
    collections.start()
    yield collections
    collections.stop()
    gc.enable()


def _garbage_in_generation_2():
    """A cycle that only a full collection frees; a weak reference to it."""
    cycle = _Cycle()
    gc.collect(1)  # alive: moved to generation 2
    return weakref.ref(cycle)


def _young_passes(count):
    for _ in range(count):
        gc.collect(1)


def _grow_generation_2(collections, share):
    """Objects that live on, `share` of generation 2 at the last full pass."""
    grown = [_Cycle() for _ in range(int(collections.size_after_last_pass * share))]
    _young_passes(heap.YOUNG_PASSES)  # moved there, and as many passes as due
    return grown


def test_starting_takes_full_collections_from_cpython_and_stopping_gives_them_back():
    before = gc.get_threshold()
    collections = heap.QuietFullCollections(_Loop())

    collections.start()
    assert gc.get_threshold()[:2] == before[:2]
    assert gc.get_threshold()[2] > 1_000_000  # the young passes that would start one

    collections.stop()
    assert gc.get_threshold() == before


def test_a_due_full_collection_waits_for_a_turn_of_the_loop_with_nothing_else_ready(
    loop, collections
):
    garbage = _garbage_in_generation_2()
    grown = _grow_generation_2(collections, 0.3)  # noqa: F841 (lives on)
    loop._ready.append("a socket's data")

    collections.check()
    assert garbage() is not None
    assert loop.next_check_in == heap.QUIET_CHECK_SECONDS

    loop._ready.clear()
    collections.check()
    assert garbage() is None
    assert loop.next_check_in == heap.CHECK_SECONDS


def test_a_due_full_collection_waits_at_most_its_longest_wait(loop, collections):
    garbage = _garbage_in_generation_2()
    grown = _grow_generation_2(collections, 0.3)  # noqa: F841 (lives on)
    loop._ready.append("a busy loop")
    collections.check()

    loop.now += heap.LONGEST_WAIT_SECONDS - 0.01
    collections.check()
    assert garbage() is not None

    loop.now += 0.01
    collections.check()
    assert garbage() is None


def test_no_full_collection_until_generation_2_has_grown_by_cpythons_share(
    loop, collections
):
    garbage = _garbage_in_generation_2()
    grown = _grow_generation_2(collections, 0.2)

    collections.check()
    assert garbage() is not None
    assert collections.due_since is None

    grown += _grow_generation_2(collections, 0.1)
    collections.check()
    assert garbage() is None


def test_no_full_collection_before_cpythons_count_of_young_passes(loop, collections):
    garbage = _garbage_in_generation_2()
    grown = [_Cycle() for _ in range(collections.size_after_last_pass)]  # noqa: F841
    _young_passes(heap.YOUNG_PASSES - 2)  # and one in _garbage_in_generation_2

    collections.check()
    assert garbage() is not None

    _young_passes(1)
    collections.check()
    assert garbage() is None


def test_a_serving_loop_starts_them_once_and_a_request_built_by_hand_never(
    monkeypatch,
):
    monkeypatch.setattr(heap, "_started", None)
    before = gc.get_threshold()

    heap.keep_full_collections_quiet()  # no loop running: the tests' requests
    assert heap._started is None
    assert gc.get_threshold() == before

    async def serve():
        heap.keep_full_collections_quiet()
        started = heap._started
        heap.keep_full_collections_quiet()  # the next connection
        return started

    try:
        started = asyncio.run(serve())
        assert heap._started is started is not None
        assert gc.get_threshold()[2] > 1_000_000
    finally:
        if heap._started is not None:
            heap._started.stop()
    assert gc.get_threshold() == before


def test_a_check_that_fails_still_leaves_the_next_one_coming(
    loop, collections, monkeypatch
):
    grown = _grow_generation_2(collections, 0.3)  # noqa: F841 (lives on)

    def fails(**kwargs):
        raise MemoryError

    monkeypatch.setattr(heap.gc, "get_objects", fails)
    loop.next_check_in = None
    with pytest.raises(MemoryError):
        collections.check()

    assert loop.next_check_in == heap.CHECK_SECONDS
