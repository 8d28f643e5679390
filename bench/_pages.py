"""The page benchmark's client side (bench/reservations.py): requests from a
pool of threads over one or more daphne processes, the daphne's threads while
they run, and a page's weight as a browser downloads it.
"""

import gzip
import http.client
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench._server import fetch

# The static files a page loads: its style sheets and scripts.
_ASSETS = re.compile(
    r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="(/static/[^"]+)"'
)


def run(bases, path, headers, *, requests, threads, pids=()):
    """Fire `requests` GETs from `threads` keep-alive connections; with several
    daphne processes, each client thread keeps to one, in turn (round-robin by
    thread, as a proxy in front would spread connections).

    Returns (status counts, requests per second, latencies in ms, the most
    threads any of `pids` had meanwhile).
    """
    local = threading.local()
    turn = iter(range(threads * 2 + len(bases)))
    lock = threading.Lock()

    def one(_):
        if not hasattr(local, "connection"):
            with lock:
                base = bases[next(turn) % len(bases)]
            local.connection = http.client.HTTPConnection(base, timeout=30)
        started = time.perf_counter()
        try:
            status = fetch(local.connection, path, headers)
        except (OSError, http.client.HTTPException) as error:
            local.connection.close()  # reconnects on the next request
            status = type(error).__name__
        return status, (time.perf_counter() - started) * 1000

    sampler = ThreadCount(pids)
    started = time.perf_counter()
    with sampler, ThreadPoolExecutor(max_workers=threads) as pool:
        outcomes = list(pool.map(one, range(requests)))
    elapsed = time.perf_counter() - started
    statuses = Counter(status for status, _ in outcomes)
    latencies = [ms for _, ms in outcomes]
    return statuses, requests / elapsed, latencies, sampler.most


class ThreadCount:
    """The most threads of any of these processes, sampled every 20 ms
    (Linux /proc; 0 elsewhere)."""

    def __init__(self, pids):
        self.pids = list(pids)
        self.most = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _sample(self):
        while not self._stop.wait(0.02):
            for pid in self.pids:
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                found = re.search(r"^Threads:\s+(\d+)", status, re.MULTILINE)
                if found:
                    self.most = max(self.most, int(found[1]))


def page_weight(base, path, headers):
    """What a browser downloads for the page, in bytes: the HTML as daphne
    sends it (deploy/nginx.conf does not compress pages either) and, for
    comparison, gzipped; each style sheet and script as the server sends it
    to a browser that accepts br and gzip, and uncompressed. With the static
    files' Cache-Control headers, and whether every one came compressed."""
    connection = http.client.HTTPConnection(base, timeout=30)
    connection.request("GET", path, headers={"X-Forwarded-Proto": "https", **headers})
    html = connection.getresponse().read()
    weight = {
        "html": len(html),
        "html_gzip": len(gzip.compress(html, compresslevel=6)),
        "assets": 0,
        "assets_raw": 0,
        "files": 0,
        "compressed": True,
        "cache_control": set(),
    }
    for asset in sorted(set(_ASSETS.findall(html.decode()))):
        compressed = {"Accept-Encoding": "br, gzip", "X-Forwarded-Proto": "https"}
        connection.request("GET", asset, headers=compressed)
        response = connection.getresponse()
        body = response.read()
        weight["files"] += 1
        weight["assets"] += len(body)
        weight["compressed"] &= response.getheader("Content-Encoding") in ("br", "gzip")
        weight["cache_control"].add(response.getheader("Cache-Control"))
        # Uncompressed, for the ratio.
        connection.request("GET", asset, headers={"X-Forwarded-Proto": "https"})
        weight["assets_raw"] += len(connection.getresponse().read())
    connection.close()
    weight["cache_control"] = sorted(filter(None, weight["cache_control"]))
    weight["total"] = weight["html"] + weight["assets"]
    return weight
