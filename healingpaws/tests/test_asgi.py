import os
import subprocess
import sys

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings

from healingpaws.asgi import application
from healingpaws.routing import websocket_urlpatterns


def _socket(path, origin):
    return WebsocketCommunicator(
        application, path, headers=[(b"origin", origin), (b"host", b"127.0.0.1")]
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_socket_from_a_foreign_origin_is_refused():
    communicator = _socket("/ws/notifications/", b"https://evil.example")

    connected, _code = await communicator.connect()

    assert not connected
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_socket_to_an_unknown_path_is_refused():
    communicator = _socket("/ws/nowhere/", b"http://127.0.0.1")

    with pytest.raises(ValueError, match="No route found"):
        await communicator.connect()


def test_the_site_routes_every_apps_sockets():
    assert [str(route.pattern) for route in websocket_urlpatterns] == [
        "ws/notifications/",
        "ws/consultation/<int:pk>/",
        "ws/dashboard/",
    ]


def test_the_servers_start_up_objects_are_left_out_of_collections():
    # In a process of its own: the test process imported asgi.py long ago.
    # The views are loaded before the freeze (the first request would load
    # them after it, into the collector's passes), and a cycle made after
    # start-up is still collected.
    probe = (
        "import gc, sys\n"
        "import healingpaws.asgi\n"
        "print(gc.get_freeze_count(), 'consultation.views' in sys.modules)\n"
        "cycle = []; cycle.append(cycle); del cycle\n"
        "print(gc.collect())\n"
    )
    result = subprocess.run(  # noqa: S603 (the test's own command)
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "healingpaws.settings"},
    )
    frozen_line, collected_line = result.stdout.split("\n")[:2]
    frozen, views_loaded = frozen_line.split()

    assert int(frozen) > 100_000
    assert views_loaded == "True"
    assert int(collected_line) >= 1
