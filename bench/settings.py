"""The project's settings for the benchmark's daphne, with one change: static
files are collected into the run's temporary folder, not the checkout's
`staticfiles/`, which a developer's server may be using. Everything else,
the manifest storage included, is production's, unless BENCH_CHANNEL_LAYER
is "pubsub" (chat.py --layer pubsub): then channels_redis's pub/sub layer
replaces its core layer on the same Redis, to compare the two.
"""

import os

from healingpaws.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]

if os.environ.get("BENCH_CHANNEL_LAYER") == "pubsub":
    CHANNEL_LAYERS = {  # noqa: F405 (from the star import)
        "default": {
            **CHANNEL_LAYERS["default"],  # noqa: F405
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        }
    }
