"""WebSocket close codes, in the application range (4000-4999): the single
source, which the pages read from data attributes. The name of the ASGI
extension for writing frames straight to the connection, and how a
"session.end" event names a session.

A socket is accepted before it is closed, so that the browser sees the code:
refused before the handshake it would only see 1006 and keep retrying.
"""

from django.utils.crypto import salted_hmac

CLOSE_NOT_SIGNED_IN = 4401  # for good: the page stops reconnecting
CLOSE_SESSION_ENDED = 4000  # a logout somewhere: reconnect to find out if it was us
CLOSE_NOT_MEMBER = 4404  # not this user's thread (or no such thread): for good

# The ASGI extension by which the server offers to write a broadcast's frame
# straight to the connection, its bytes made once for all its pages
# (healingpaws/frame_writer.py, under daphne): {"write": write(text) -> bool}.
# LiveSocketConsumer.send_text() (pushes, presence counts) uses it when offered.
FRAME_WRITER_EXTENSION = "healingpaws.frame_writer"


def session_tag(session_key: str | None) -> str:
    """Names a session in a "session.end" event without its key (the key
    signs a browser in; the channel layer need not carry it)."""
    return salted_hmac("healingpaws.session-end", session_key or "").hexdigest()
