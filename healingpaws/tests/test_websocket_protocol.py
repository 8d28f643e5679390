"""autobahn's debug line of each socket's settings, made only if written
(healingpaws/websocket_protocol.py, installed by asgi.py)."""

from autobahn.websocket import protocol

import healingpaws.asgi  # noqa: F401 (installs it, as for daphne)
from healingpaws import websocket_protocol

SETTINGS = [("openHandshakeTimeout", 5, "WebSocketServerFactory")]


def test_the_settings_text_is_made_when_the_line_is_written(monkeypatch):
    made = []

    def pformat(value):
        made.append(value)
        return "the settings"

    monkeypatch.setattr(websocket_protocol.pprint, "pformat", pformat)
    text = protocol.pformat(SETTINGS)  # as each connection does
    assert made == []

    assert f"\n{text}" == "\nthe settings"
    assert made == [SETTINGS]


def test_timings_still_read_as_text():
    timings = protocol.Timings()
    timings.track("onOpen")

    assert isinstance(str(timings), str)
    assert "onOpen" in str(timings)
