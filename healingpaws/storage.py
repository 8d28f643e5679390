"""Static files in production: whitenoise's compressed, hashed storage."""

from django.contrib.staticfiles.storage import HashedFilesMixin
from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    return tuple(
        (extension, tuple(p for p in rules if "sourceMappingURL" not in str(p)))
        for extension, rules in patterns
    )


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed names for url() and @import, but source-map comments left as
    they are: npm packages ship comments naming maps they do not include
    (dropzone's CSS), which would stop collectstatic. A missing map costs
    the browser's developer tools a 404, never the page."""

    patterns = _without_source_maps(HashedFilesMixin.patterns)
