"""Static files in production: whitenoise's compressed, hashed storage."""

from django.conf import settings
from django.contrib.staticfiles.storage import HashedFilesMixin
from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    return tuple(
        (extension, tuple(p for p in rules if "sourceMappingURL" not in str(p)))
        for extension, rules in patterns
    )


# Django's rules for a module's relative imports, applied to our own modules
# only (static/js/, collected as js/): npm's files are left as they ship, and
# one of them imports a package by its bare name, which no static file answers.
_OUR_MODULE_IMPORTS = (
    "js/*.js",
    HashedFilesMixin._js_module_import_aggregation_patterns[1],
)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed names for url(), @import and our ES modules' imports, but
    source-map comments left as they are: npm packages ship comments naming
    maps they do not include (dropzone's CSS), which would stop collectstatic.
    A missing map costs the browser's developer tools a 404, never the page.

    A module that imports another names its hashed file, so a new release
    never runs a page's new script with a cached old module (whitenoise
    serves hashed names with a year's cache lifetime)."""

    patterns = _without_source_maps(HashedFilesMixin.patterns) + (_OUR_MODULE_IMPORTS,)

    # A page names a dozen static files (the layout's styles and scripts);
    # url() looked each name up in the manifest and made its URL again, 55 µs
    # a name, half a millisecond of every page (bench/hotspots.py). Kept per
    # manifest: a collectstatic reads a new one, and the URLs are made again.
    _urls_of = None  # the manifest (hashed_files) the kept URLs come from
    URLS_KEPT = 1000  # names the templates use; more are made each time

    def url(self, name, force=False):
        if self._urls_of is not self.hashed_files:
            self._urls, self._urls_of = {}, self.hashed_files
        key = (name, force, settings.DEBUG)  # DEBUG: _url() leaves names as they are
        url = self._urls.get(key)
        if url is None:
            url = super().url(name, force)
            if len(self._urls) < self.URLS_KEPT:
                self._urls[key] = url
        return url
