"""/healthz's probe of the channel layer: a ping sent to a channel of the
process's own and heard back.

The channel is kept: on the pub/sub layer a new one per probe cost a
SUBSCRIBE and an UNSUBSCRIBE, each waiting for the layer's one lock, and
/healthz answered in about 100 ms under load instead of a few (issue 14's
benchmarks measure the pages against /healthz). Probes take turns; after a
failed one (Redis away, a timeout) the next starts on a new channel, since
the layer may have dropped the old one when its receive was cancelled.
"""

import asyncio
import itertools
import weakref


class _Probe:
    def __init__(self, layer):
        self.layer = layer
        self.channel = None
        self.turn = asyncio.Lock()
        self.numbers = itertools.count(1)

    async def ping(self):
        async with self.turn:
            try:
                if self.channel is None:
                    self.channel = await self.layer.new_channel()
                number = next(self.numbers)
                await self.layer.send(
                    self.channel, {"type": "health.ping", "number": number}
                )
                # An earlier probe's ping, heard after it gave up, is skipped.
                while (await self.layer.receive(self.channel))["number"] != number:
                    pass
            except BaseException:
                self.channel = None
                raise


# Per event loop (daphne runs one; each async test its own) and layer object.
_probes: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Probe]" = (
    weakref.WeakKeyDictionary()
)


async def ping(layer) -> None:
    """Return once the layer carried a message to this process and back."""
    loop = asyncio.get_running_loop()
    probe = _probes.get(loop)
    if probe is None or probe.layer is not layer:
        probe = _probes[loop] = _Probe(layer)
    await probe.ping()
