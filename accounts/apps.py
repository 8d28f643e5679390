import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from core import schedule

        # Connect their signal handlers (allauth's signals; closure's too).
        from . import devices, receivers, second_factor, sessions, unclaimed  # noqa: F401
        from .access_log import access_log_prune
        from .account_data import register as register_account_data
        from .closure import close_due_accounts
        from .data_export import delete_expired_exports
        from .tasks import delete_old_read_notifications

        schedule.every(datetime.timedelta(days=1), delete_old_read_notifications)
        # The account's own part of the export and erasure comes first (the
        # higher apps register theirs in their ready()).
        register_account_data()
        schedule.every(datetime.timedelta(days=1), delete_expired_exports)
        schedule.every(datetime.timedelta(hours=1), close_due_accounts)
        schedule.every(datetime.timedelta(days=1), access_log_prune)
