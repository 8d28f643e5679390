from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReservationsConfig(AppConfig):
    name = "reservations"
    verbose_name = _("Reservations")

    def ready(self):
        from core import schedule

        from . import (
            notifications,
            personal_data,
            pet_pages,
            reminders,
            signals,
        )

        # What the lower apps show of visits, registered with them: they
        # never import reservations.
        notifications.register()
        pet_pages.register()
        personal_data.register()
        # The kept parts of pages that show visits are drawn afresh on change.
        signals.connect()
        # Reminders without cron: the workers run them (core/schedule.py).
        schedule.every(reminders.REMINDER_EVERY, reminders.send_due_reminders)
        # Visits nobody came to, at the end of their day (issue 16).
        schedule.every(reminders.NO_SHOWS_EVERY, reminders.mark_missed_visits)
        # Waitlist offers not taken in time go to the next owner.
        schedule.every(reminders.WAITLIST_EVERY, reminders.expire_waitlist_offers)
        # Doctors on any dashboard page hear of visits waiting too long.
        schedule.every(reminders.OVERDUE_EVERY, reminders.alert_overdue_visits)
