"""accounts' scheduled upkeep, registered in AccountsConfig.ready()."""

import datetime

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from .models import Notification


@task()
def delete_old_read_notifications() -> int:
    """Forget notifications read more than NOTIFICATIONS_KEEP_READ_DAYS ago
    (unread ones stay, however old: nobody has seen them yet)."""
    cutoff = timezone.now() - datetime.timedelta(
        days=settings.NOTIFICATIONS_KEEP_READ_DAYS
    )
    deleted, _by_model = Notification.objects.read_before(cutoff).delete()
    return deleted
