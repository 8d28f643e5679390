"""A Redis database of its own for each pytest-xdist worker.

bin/test's main run spreads the tests over two processes (pytest-xdist). Each
gets its own test database from pytest-django (test_<name>_gw0, ...), but not
its own Redis database, and the tests empty the cache before each test: with
REDIS_URL set that empties the whole database, so two workers on one would
wipe each other's rate limits, presence and queued pushes in mid-test.

Loaded with ``-p healingpaws.tests.xdist_redis`` (and the project on
PYTHONPATH), this module runs in each worker before Django reads its settings,
and points REDIS_URL at the worker's own database: the n-th of
HEALINGPAWS_XDIST_REDIS_URLS (space-separated; bin/test derives them from
REDIS_URL). The servers and workers the tests start in child processes
inherit it. Without REDIS_URL (the cache in memory) there is nothing to do.
"""

import os

URLS_ENV_NAME = "HEALINGPAWS_XDIST_REDIS_URLS"

_worker = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0": set before the config
if _worker and os.environ.get("REDIS_URL"):
    _urls = os.environ.get(URLS_ENV_NAME, "").split()
    _n = int(_worker.removeprefix("gw"))
    if _n >= len(_urls):
        raise RuntimeError(
            f"pytest-xdist worker {_worker} has no Redis database of its own: "
            f"{URLS_ENV_NAME} names {len(_urls)} (one per worker, never one "
            "that holds anything else)"
        )
    os.environ["REDIS_URL"] = _urls[_n]
