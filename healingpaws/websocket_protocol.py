"""autobahn, daphne's WebSocket protocol, made cheaper for each socket that
opens (issue 14). asgi.py installs it, next to server.py.

For every connection autobahn writes its forty settings to a debug line with
pprint.pformat(), called before the logger decides to write: with debug
logging off, as in production, the text is thrown away, and making it took
10% of the GIL's time while 1,600 chat sockets opened (py-spy --gil,
bench/chat.py), the echo's sockets too. Here the text is made only if the
line is written.
"""

import pprint

from autobahn.websocket import protocol


class _PrettyWhenWritten:
    """What pformat(value) makes, made when the log line is formatted."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __str__(self):
        return pprint.pformat(self.value)

    def __format__(self, spec):
        return format(str(self), spec)


def _timings_text(timings) -> str:
    return pprint.pformat(timings._timings)


def install():
    protocol.pformat = _PrettyWhenWritten
    # The module's one caller that must return the text itself.
    protocol.Timings.__str__ = _timings_text
