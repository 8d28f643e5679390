"""accounts' scheduled upkeep: old read notifications are forgotten."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Notification
from accounts.tasks import delete_old_read_notifications
from core import schedule
from core.background import run_ready_tasks


def test_old_read_notifications_are_deleted_once_a_day():
    periods = {job.name: job.period for job in schedule.jobs()}

    assert periods["accounts.tasks.delete_old_read_notifications"] == (
        datetime.timedelta(days=1)
    )


def _notification(user, *, read_days_ago=None, made_days_ago=0):
    now = timezone.now()
    notification = Notification.objects.create(
        recipient=user,
        kind="visit_state",
        url="/reservations/1/",
        read_at=None
        if read_days_ago is None
        else now - datetime.timedelta(days=read_days_ago),
    )
    Notification.objects.filter(pk=notification.pk).update(
        created_at=now - datetime.timedelta(days=made_days_ago)
    )
    return notification


@pytest.mark.django_db
def test_notifications_read_long_ago_go_and_the_others_stay(customer, settings):
    settings.NOTIFICATIONS_KEEP_READ_DAYS = 90
    read_long_ago = _notification(customer, read_days_ago=91, made_days_ago=100)
    read_lately = _notification(customer, read_days_ago=89, made_days_ago=100)
    never_read = _notification(customer, made_days_ago=400)

    schedule.schedule_tick()
    run_ready_tasks()

    assert set(Notification.objects.values_list("pk", flat=True)) == {
        read_lately.pk,
        never_read.pk,
    }
    assert not Notification.objects.filter(pk=read_long_ago.pk).exists()
    assert delete_old_read_notifications.call() == 0
