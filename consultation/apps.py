from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationConfig(AppConfig):
    name = "consultation"
    verbose_name = _("Consultations")

    def ready(self):
        # accounts sends the reply notifications; this app words them.
        from . import notifications, personal_data, signals

        notifications.register()
        # Its part of a customer's data export and account erasure.
        personal_data.register()
        # The navbar's cached unread count follows every change.
        signals.connect()
