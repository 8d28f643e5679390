"""The project's settings for the benchmark's daphne, with one change: static
files are collected into the run's temporary folder, not the checkout's
`staticfiles/`, which a developer's server may be using. Everything else,
the manifest storage included, is production's, and the channel layer is
the one BENCH_CHANNEL_LAYER names (chat.py --layer): the project's (channels_redis's
pub/sub layer, subscribing in batches) or channels_redis's core layer on the same
Redis, to compare the two.
"""

import os

from healingpaws.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]

LAYERS = {
    "pubsub": "core.channel_layer.PubSubChannelLayer",  # production's
    "core": "channels_redis.core.RedisChannelLayer",
}
if os.environ.get("BENCH_CHANNEL_LAYER") in LAYERS:
    CHANNEL_LAYERS = {  # noqa: F405 (from the star import)
        "default": {
            **CHANNEL_LAYERS["default"],  # noqa: F405
            "BACKEND": LAYERS[os.environ["BENCH_CHANNEL_LAYER"]],
        }
    }
