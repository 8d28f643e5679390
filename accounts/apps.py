import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from core import schedule

        # Connect their signal handlers (allauth's signals).
        from . import devices, receivers, second_factor, sessions  # noqa: F401
        from .tasks import delete_old_read_notifications

        schedule.every(datetime.timedelta(days=1), delete_old_read_notifications)
