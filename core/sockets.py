"""WebSocket close codes, in the application range (4000-4999): the single
source, which the pages read from data attributes. And the name of the ASGI
extension for writing frames straight to the connection.

A socket is accepted before it is closed, so that the browser sees the code:
refused before the handshake it would only see 1006 and keep retrying.
"""

CLOSE_NOT_SIGNED_IN = 4401  # for good: the page stops reconnecting
CLOSE_SESSION_ENDED = 4000  # a logout somewhere: reconnect to find out if it was us
CLOSE_NOT_MEMBER = 4404  # not this user's thread (or no such thread): for good

# The ASGI extension by which the server offers to write a broadcast's frame
# straight to the connection, its bytes made once for all its pages
# (healingpaws/frame_writer.py, under daphne): {"write": write(text) -> bool}.
# LiveSocketConsumer.send_text() (pushes, presence counts) uses it when offered.
FRAME_WRITER_EXTENSION = "healingpaws.frame_writer"
