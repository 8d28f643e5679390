from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared infrastructure of the site's apps, no models of its own: time
    stamps, images, sockets, presence, pushes after the commit."""

    name = "core"
