import pytest
from channels.testing import WebsocketCommunicator

from healingpaws.asgi import application


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_socket_from_a_foreign_origin_is_refused():
    communicator = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[(b"origin", b"https://evil.example"), (b"host", b"127.0.0.1")],
    )

    connected, _code = await communicator.connect()

    assert not connected
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_socket_to_an_unknown_path_is_refused():
    communicator = WebsocketCommunicator(
        application,
        "/ws/nowhere/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")],
    )

    with pytest.raises(ValueError, match="No route found"):
        await communicator.connect()
