from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReservationsConfig(AppConfig):
    name = "reservations"
    verbose_name = _("Reservations")

    def ready(self):
        # What the lower apps show of visits, registered with them: they
        # never import reservations.
        from . import notifications, pet_pages

        notifications.register()
        pet_pages.register()
