from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetsConfig(AppConfig):
    name = "pets"
    verbose_name = _("Pets")

    def ready(self):
        from core import schedule

        from .record import notices, reminders

        # How the record's notifications read (accounts words none itself).
        notices.register()
        # Care reminders without cron: the workers run them (core/schedule.py).
        schedule.every(reminders.REMINDERS_EVERY, reminders.send_care_reminders)
