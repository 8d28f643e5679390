"""The project's settings for the benchmark's daphne, with one change: static
files are collected into the run's temporary folder, not the checkout's
`staticfiles/`, which a developer's server may be using. Everything else,
the manifest storage included, is production's.
"""

import os

from healingpaws.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
