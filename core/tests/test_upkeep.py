"""core's scheduled upkeep: stale presence entries, the upload files a
killed process left behind, the task history."""

import asyncio
import datetime
import os
import time

import pytest
from channels.layers import get_channel_layer
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core import presence, presence_store, schedule, tasks
from core.background import RetryScheduled, run_ready_tasks
from core.models import ScheduledRun

SIX_HOURS = 6 * 60 * 60


def test_the_upkeep_jobs_are_scheduled():
    periods = {job.name: job.period for job in schedule.jobs()}

    assert periods["core.tasks.expire_presence"] == datetime.timedelta(minutes=1)
    assert periods["core.tasks.remove_abandoned_uploads"] == datetime.timedelta(hours=1)


def test_a_crashed_processs_entries_are_dropped_and_watchers_told(
    presence_store_of_each_kind, settings, monkeypatch
):
    settings.PRESENCE_TTL_SECONDS = 30
    now = time.time()
    monkeypatch.setattr(presence.time, "time", lambda: now)
    presence.presence_enter(role=presence.DOCTOR, user_id=1, channel="crashed")
    presence.presence_enter(role=presence.DOCTOR, user_id=2, channel="alive")
    layer = get_channel_layer()
    # The watcher's channel lives in one event loop, as a socket's does (the
    # pub/sub layer keeps a process's channels per loop).
    group = presence.presence_group(presence.DOCTOR)
    loop = asyncio.new_event_loop()
    watcher = loop.run_until_complete(layer.new_channel())
    try:
        loop.run_until_complete(layer.group_add(group, watcher))

        now += 20
        presence.presence_enter(role=presence.DOCTOR, user_id=2, channel="alive")
        now += 11  # the crashed process's entry has expired; nobody came or went
        dropped = presence.presence_expire()

        assert dropped == 1
        heard = loop.run_until_complete(asyncio.wait_for(layer.receive(watcher), 5))
        assert heard == {"type": "presence.count", "role": presence.DOCTOR, "count": 1}
        assert presence.presence_expire() == 0
    finally:
        loop.run_until_complete(layer.group_discard(group, watcher))
        loop.close()


def test_expiring_presence_with_the_store_away_is_logged_not_raised(
    monkeypatch, caplog
):
    def away():
        raise ConnectionError("redis is away")

    monkeypatch.setattr(presence_store, "store", away)

    assert presence.presence_expire() == 0
    assert "expired entries not dropped" in caplog.text


def _file(folder, name, *, age):
    path = folder / name
    path.write_bytes(b"half an upload")
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_django_spools_large_uploads_to_the_projects_own_folder(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)

    upload = TemporaryUploadedFile("cat.jpg", "image/jpeg", 10, None)
    try:
        spooled = upload.temporary_file_path()
    finally:
        upload.close()

    assert os.path.dirname(spooled) == str(tmp_path)
    assert os.path.basename(spooled).startswith("tmp")
    assert spooled.endswith(".upload.jpg")


@pytest.mark.django_db
def test_upload_files_a_killed_process_left_are_removed_by_the_schedule(
    settings, tmp_path
):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    abandoned = _file(tmp_path, "tmpa1b2c3.upload.jpg", age=SIX_HOURS + 60)
    arriving = _file(tmp_path, "tmpd4e5f6.upload.png", age=60)
    not_an_upload = _file(tmp_path, "notes.txt", age=SIX_HOURS * 10)
    (tmp_path / "tmpdir.upload").mkdir()
    os.symlink(not_an_upload, tmp_path / "tmplink.upload.jpg")

    schedule.schedule_tick()
    run_ready_tasks()

    assert not abandoned.exists()
    assert arriving.exists()
    assert not_an_upload.exists()
    assert (tmp_path / "tmpdir.upload").is_dir()
    assert (tmp_path / "tmplink.upload.jpg").is_symlink()


def test_a_missing_upload_folder_removes_nothing(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "gone")

    assert tasks.remove_abandoned_uploads.call() == 0


@pytest.mark.django_db
def test_the_task_history_is_pruned_but_failed_deliveries_and_waiting_tasks_stay(
    settings,
):
    settings.TASKS_KEEP_DAYS = 14
    now = timezone.now()
    days = datetime.timedelta(days=1)

    def row(name, *, status, finished_days_ago, backend="default", error=None):
        return DBTaskResult.objects.create(
            task_path=f"core.tests.tasks.{name}",
            args_kwargs={"args": [], "kwargs": {}},
            status=status,
            backend_name=backend,
            finished_at=None
            if finished_days_ago is None
            else now - finished_days_ago * days,
            exception_class_path=error or "",
        )

    succeeded_long_ago = row(
        "old", status=TaskResultStatus.SUCCESSFUL, finished_days_ago=15
    )
    row("recent", status=TaskResultStatus.SUCCESSFUL, finished_days_ago=13)
    retried_long_ago = row(
        "retried",
        status=TaskResultStatus.FAILED,
        finished_days_ago=15,
        error=f"{RetryScheduled.__module__}.RetryScheduled",
    )
    row(
        "gave_up",
        status=TaskResultStatus.FAILED,
        finished_days_ago=15,
        error="builtins.OSError",
    )
    row("waiting", status=TaskResultStatus.READY, finished_days_ago=None)
    pushed_yesterday = row(
        "push",
        status=TaskResultStatus.SUCCESSFUL,
        finished_days_ago=1.1,
        backend="live",
    )
    row(
        "push_now",
        status=TaskResultStatus.SUCCESSFUL,
        finished_days_ago=0.5,
        backend="live",
    )
    ScheduledRun.objects.create(job="old", period_start=now - 15 * days)
    ScheduledRun.objects.create(job="recent", period_start=now - 13 * days)

    assert tasks.prune_task_history.call() == 3

    gone = {succeeded_long_ago.pk, retried_long_ago.pk, pushed_yesterday.pk}
    assert not DBTaskResult.objects.filter(pk__in=gone).exists()
    assert sorted(DBTaskResult.objects.values_list("task_path", flat=True)) == [
        f"core.tests.tasks.{name}"
        for name in ("gave_up", "push_now", "recent", "waiting")
    ]
    assert list(ScheduledRun.objects.values_list("job", flat=True)) == ["recent"]
