"""At most WEB_CONCURRENCY_LIMIT requests run at once in a process, a bounded
queue waits, and the rest get the 503 page (healingpaws/server.py)."""

import asyncio
import os

import pytest

from healingpaws import server
from healingpaws.tests.slow_urls import Gate

pytestmark = [
    pytest.mark.urls("healingpaws.tests.slow_urls"),
    pytest.mark.django_db(transaction=True),
]


async def _get(handler, path="/slow/", language=b"en"):
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"accept-language", language)],
        "server": ("testserver", 80),
    }
    messages = [{"type": "http.request", "body": b"", "more_body": False}]
    sent = []

    async def receive():
        if messages:
            return messages.pop(0)
        await asyncio.Event().wait()  # the client stays until the answer

    async def send(message):
        sent.append(message)

    await handler(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent if "body" in m)
    return start["status"], headers, body.decode()


async def _until(condition):
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


@pytest.fixture
def handler(settings):
    settings.WEB_CONCURRENCY_LIMIT = 2
    settings.WEB_QUEUE_LIMIT = 1
    Gate.reset()
    yield server.ASGIHandler()
    Gate.open.set()


@pytest.mark.asyncio
async def test_requests_past_the_limit_wait_and_past_the_queue_get_the_503_page(
    handler,
):
    first_two = [asyncio.create_task(_get(handler)) for _ in range(2)]
    third = asyncio.create_task(_get(handler))
    await _until(lambda: Gate.running == 2 and handler.limit.now_waiting == 1)

    status, headers, page = await _get(handler, language=b"zh-hans")

    assert status == 503
    assert headers["retry-after"] == str(server.BUSY_RETRY_AFTER_SECONDS)
    assert "马上回来" in page  # the 503 page in the visitor's language
    assert not third.done()
    assert Gate.running == 2
    Gate.open.set()
    answers = await asyncio.gather(*first_two, third)
    assert [(status, page) for status, _, page in answers] == [(200, "done")] * 3
    assert Gate.most == 2
    assert (handler.limit.now_running, handler.limit.now_waiting) == (0, 0)


@pytest.mark.asyncio
async def test_many_slow_requests_never_run_more_than_the_limit_at_once(settings):
    settings.WEB_CONCURRENCY_LIMIT = 3
    settings.WEB_QUEUE_LIMIT = 20
    Gate.reset()
    handler = server.ASGIHandler()
    tasks = [asyncio.create_task(_get(handler)) for _ in range(10)]
    await _until(lambda: Gate.running == 3)
    assert handler.limit.now_waiting == 7

    Gate.open.set()
    answers = await asyncio.gather(*tasks)

    assert [status for status, _, _ in answers] == [200] * 10
    assert Gate.most == 3


@pytest.mark.asyncio
async def test_a_waiting_request_that_goes_away_gives_up_its_place_in_the_queue():
    limit = server.RequestLimit(running=1, waiting=1)
    order = []

    async def request(name, hold):
        async with limit.slot() as admitted:
            order.append((name, admitted))
            if admitted:
                await hold.wait()

    hold = asyncio.Event()
    running = asyncio.create_task(request("a", hold))
    waiting = asyncio.create_task(request("b", hold))
    await _until(lambda: limit.now_waiting == 1)
    waiting.cancel()
    await _until(lambda: limit.now_waiting == 0)
    late = asyncio.create_task(request("c", hold))
    await asyncio.sleep(0)

    hold.set()
    await asyncio.gather(running, late)

    assert order == [("a", True), ("c", True)]
    assert (limit.now_running, limit.now_waiting) == (0, 0)


def test_the_default_limit_leaves_a_connection_for_each_socket_thread(settings):
    from core.trips import SOCKET_DATABASE_THREADS

    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool", {})

    assert (
        pool.get("max_size", 10) - SOCKET_DATABASE_THREADS
        >= settings.WEB_CONCURRENCY_LIMIT
    )


@pytest.mark.skipif(
    {"WEB_CONCURRENCY_LIMIT", "DATABASE_POOL_SIZE"} & set(os.environ),
    reason="the environment sets the limit or the pool",
)
def test_four_requests_run_at_once_by_default(settings):
    # More only wait for the GIL and asgiref's locks (settings.py says why).
    assert settings.WEB_CONCURRENCY_LIMIT == 4
