"""The project's settings for the benchmark's daphne, with two changes for
static files, which the pages measured here only link to:

- they are collected into the run's temporary folder, not the checkout's
  `staticfiles/`, which a developer's server may be using;
- they are stored without the manifest: its post-processing stops on
  dropzone's CSS, whose source map comment points at a path that does not
  exist (`dist/dropzone.css.map`, relative to `dist/` itself).
"""

import os

from healingpaws.settings import *  # noqa: F403
from healingpaws.settings import STORAGES

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
