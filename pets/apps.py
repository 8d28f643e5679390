from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetsConfig(AppConfig):
    name = "pets"
    verbose_name = _("Pets")

    def ready(self):
        from .record import notices

        # How the record's notifications read (accounts words none itself).
        notices.register()
