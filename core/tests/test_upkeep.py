"""core's scheduled upkeep: stale presence entries and the upload files a
killed process left behind."""

import datetime
import os
import time

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.files.uploadedfile import TemporaryUploadedFile

from core import presence, schedule, tasks
from core.background import run_ready_tasks

SIX_HOURS = 6 * 60 * 60


def test_the_upkeep_jobs_are_scheduled():
    periods = {job.name: job.period for job in schedule.jobs()}

    assert periods["core.tasks.expire_presence"] == datetime.timedelta(minutes=1)
    assert periods["core.tasks.remove_abandoned_uploads"] == datetime.timedelta(hours=1)


@pytest.fixture(params=["memory", "redis"])
def presence_store(request, settings):
    """Both stores: memory always, Redis when REDIS_URL is set."""
    if request.param == "memory":
        settings.REDIS_URL = ""
    elif not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    for role in presence.ROLES:
        presence._store().expire(role, float("inf"))
    yield
    for role in presence.ROLES:
        presence._store().expire(role, float("inf"))


def test_a_crashed_processs_entries_are_dropped_and_watchers_told(
    presence_store, settings, monkeypatch
):
    settings.PRESENCE_TTL_SECONDS = 30
    now = time.time()
    monkeypatch.setattr(presence.time, "time", lambda: now)
    presence.presence_enter(role=presence.DOCTOR, user_id=1, channel="crashed")
    presence.presence_enter(role=presence.DOCTOR, user_id=2, channel="alive")
    layer = get_channel_layer()
    watcher = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(presence.presence_group(presence.DOCTOR), watcher)

    now += 20
    presence.presence_enter(role=presence.DOCTOR, user_id=2, channel="alive")
    now += 11  # the crashed process's entry has expired; nobody came or went
    dropped = presence.presence_expire()

    assert dropped == 1
    assert async_to_sync(layer.receive)(watcher) == {
        "type": "presence.count",
        "role": presence.DOCTOR,
        "count": 1,
    }
    assert presence.presence_expire() == 0


def test_expiring_presence_with_the_store_away_is_logged_not_raised(
    monkeypatch, caplog
):
    def away():
        raise ConnectionError("redis is away")

    monkeypatch.setattr(presence, "_store", away)

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
