"""The server's heap, kept out of the way of its sockets' latency.

Django, the admin, allauth, Channels, daphne and the URLconf's views leave
some hundreds of thousands of objects that live as long as the process. A
full collection (generation 2) walks every one of them: 80-120 ms on the
benchmark's machine, during which no socket is written and no request
answered. bench/chat.py saw it as the chat's p99 (and the bare echo's): one
message in fifty held up for its whole fan-out. Frozen (gc.freeze(), as
Instagram's servers do), they are left out of every collection; what the
process makes afterwards is collected as before.

What it makes afterwards still adds up: each open chat socket is some 250
objects (daphne's connection, autobahn's protocol, Channels' middleware and
consumer), and a full pass over 200 of them took 17-50 ms. CPython starts
that pass from whichever allocation comes after enough young collections,
which in a chat server is mid-way through a message's fan-out: that message
then waits for the whole pass. QuietFullCollections leaves the young
generations to CPython and runs the full pass, on the same rule of growth,
at a moment when the event loop has nothing else ready.
"""

import asyncio
import gc

from django.urls import get_resolver

# CPython's rule for a full pass: after this many young (generation 1)
# passes, once generation 2 has grown by this share since the last one.
YOUNG_PASSES = 10
GROWTH_SHARE = 0.25
# How often the count is checked; once a look is due, how often the loop is
# looked at for a quiet moment, and how long a look may wait for one.
CHECK_SECONDS = 1.0
QUIET_CHECK_SECONDS = 0.005
LONGEST_WAIT_SECONDS = 5.0
# generation 2's threshold while its passes are ours: never reached.
_NEVER = 2**31 - 1


def freeze_startup_objects() -> None:
    """Load what the first request would (the URLconf and its views), then
    move everything alive to the collector's permanent generation."""
    get_resolver().url_patterns  # noqa: B018 (imports every view now)
    gc.collect()  # the start-up's garbage goes, rather than frozen with it
    gc.freeze()


class QuietFullCollections:
    """Full collections at quiet moments of one event loop (module docstring)."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.size_after_last_pass = len(gc.get_objects(generation=2))
        self.young_passes_checked = 0  # gc.get_count()[2] when last measured
        self.due_since = None  # the loop's time when a look became due
        self._handle = None
        self._thresholds = None

    def start(self) -> None:
        self._thresholds = gc.get_threshold()
        young, middle, _full = self._thresholds
        gc.set_threshold(young, middle, _NEVER)
        self._handle = self.loop.call_later(CHECK_SECONDS, self.check)

    def stop(self) -> None:
        """Hand full collections back to CPython (the tests)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None

    def check(self) -> None:
        """Once CPython's count of young passes calls for a look at
        generation 2, wait for a quiet turn of the loop (at most
        LONGEST_WAIT_SECONDS), measure generation 2 there (listing it takes
        a millisecond or two), and collect it if it has grown enough."""
        delay = CHECK_SECONDS
        try:
            if self.due_since is None and self._young_passes_due():
                self.due_since = self.loop.time()
            if self.due_since is not None:
                if self._quiet() or (
                    self.loop.time() - self.due_since >= LONGEST_WAIT_SECONDS
                ):
                    self.due_since = None
                    self.young_passes_checked = gc.get_count()[2]
                    if self._grown():
                        self.collect()
                else:
                    delay = QUIET_CHECK_SECONDS
        finally:
            # Whatever happened, the next check comes: CPython no longer
            # starts full passes itself, and without it none would run.
            self._handle = self.loop.call_later(delay, self.check)

    def collect(self) -> None:
        gc.collect(2)
        self.size_after_last_pass = len(gc.get_objects(generation=2))
        self.young_passes_checked = 0  # the pass started CPython's count again

    def _young_passes_due(self) -> bool:
        return gc.get_count()[2] >= self.young_passes_checked + YOUNG_PASSES

    def _grown(self) -> bool:
        size = len(gc.get_objects(generation=2))
        return size - self.size_after_last_pass > (
            self.size_after_last_pass * GROWTH_SHARE
        )

    def _quiet(self) -> bool:
        # Nothing else ready to run in this turn of the loop: no socket had
        # data, no callback was due. (asyncio's own queue; a loop without
        # one, such as uvloop's, counts as always quiet.)
        return not getattr(self.loop, "_ready", ())


_started: QuietFullCollections | None = None


def keep_full_collections_quiet() -> None:
    """Start QuietFullCollections on the running loop, once per process.
    Called by the server's connections (server.py), so only a serving
    process (daphne) changes how it collects, and never the tests'."""
    global _started  # noqa: PLW0603 (one per process)
    if _started is not None:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return  # a request built by hand (the tests), not served
    _started = QuietFullCollections(loop)
    _started.start()
