from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetsConfig(AppConfig):
    name = "pets"
    verbose_name = _("Pets")

    def ready(self):
        from accounts.profile_sections import profile_section_register
        from core import schedule

        from . import personal_data, signals
        from .record import bundle, notices, reminders

        # My pets' kept part is drawn afresh when a pet changes.
        signals.connect()
        # How the record's notifications read (accounts words none itself).
        notices.register()
        bundle.register()
        # Its part of a customer's data export and account erasure.
        personal_data.register()
        # The profile page offers the care reminders switch too.
        profile_section_register("pets/record/care_reminders_switch.html")
        # Care reminders without cron: the workers run them (core/schedule.py).
        schedule.every(reminders.REMINDERS_EVERY, reminders.send_care_reminders)
        # ZIPs built by workers are offered for a week.
        schedule.every(bundle.CLEAN_UP_EVERY, bundle.delete_expired_bundles)
