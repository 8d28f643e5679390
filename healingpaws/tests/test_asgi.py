import pytest
from channels.testing import WebsocketCommunicator

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
