import datetime
import io
import json
import os
import zipfile
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.data_export import (
    EXPORT_DAYS,
    data_export_request,
    delete_expired_exports,
    export_token,
)
from accounts.models import DataExport
from accounts.tests.factories import PASSWORD, DoctorFactory
from accounts.tests.personal_data_seed import seed_customer
from core.background import run_ready_tasks

pytestmark = pytest.mark.django_db


def _download(client, user, data_export):
    client.force_login(user)
    return client.get(
        reverse("accounts:export-download", args=[export_token(data_export)])
    )


def _zip(response):
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _link_from_mail(message):
    return next(line for line in message.body.splitlines() if "/profile/data/" in line)


@pytest.fixture
def seeded():
    doctor = DoctorFactory()
    seeded = seed_customer("alpha", doctor=doctor), seed_customer("beta", doctor=doctor)
    run_ready_tasks()  # the seed's own e-mails
    mail.outbox.clear()
    return seeded


def test_the_zip_holds_every_part_of_the_customers_data_and_nobody_elses(
    client, seeded
):
    alpha, beta = seeded
    client.force_login(alpha.user)
    response = client.post(reverse("accounts:export-request"), follow=True)
    assert "e-mailed to owner.alpha@example.com" in response.content.decode()

    run_ready_tasks()

    [message] = mail.outbox
    assert message.to == ["owner.alpha@example.com"]
    link = _link_from_mail(message)
    response = client.get(urlsplit(link.strip()).path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = _zip(response)
    names = set(archive.namelist())
    assert {
        "account.json",
        "pets.json",
        "visits.json",
        "consultations.json",
    } <= names
    everything = "\n".join(
        archive.read(name).decode() for name in names if name.endswith(".json")
    )
    for key, text in alpha.texts.items():
        if key == "internal_note":
            assert text not in everything  # doctors only
        else:
            assert text in everything, key
    for text in beta.texts.values():
        assert text not in everything
    account = json.loads(archive.read("account.json"))
    assert account["profile"]["phone"] == alpha.user.phone
    assert account["notifications"][0]["text"] == "You have a new notification."
    # The photos: the avatar, the pet's, the one sent in the consultation.
    pets = json.loads(archive.read("pets.json"))["pets"]
    threads = json.loads(archive.read("consultations.json"))["consultations"]
    photo_paths = [
        account["profile"]["avatar"],
        pets[0]["photo"],
        next(m["photo"] for m in threads[0]["messages"] if m["photo"]),
    ]
    for path in photo_paths:
        assert path in names
        assert archive.read(path)[:4] == b"RIFF"  # the stored WebP renditions
    assert len([n for n in names if n.startswith("files/")]) == 3
    visits = json.loads(archive.read("visits.json"))["visits"]
    assert [event["to"] for event in visits[0]["events"]] == ["confirmed"]


def test_another_customer_gets_404_for_the_link(client, seeded):
    alpha, beta = seeded
    data_export, _created = data_export_request(user=alpha.user)
    run_ready_tasks()
    data_export.refresh_from_db()
    assert _download(client, beta.user, data_export).status_code == 404
    assert _download(client, alpha.user, data_export).status_code == 200


def test_the_link_asks_to_sign_in_first(client, seeded):
    alpha, _beta = seeded
    data_export, _created = data_export_request(user=alpha.user)
    run_ready_tasks()
    url = reverse("accounts:export-download", args=[export_token(data_export)])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    client.post(
        reverse("account_login"), {"login": alpha.user.username, "password": PASSWORD}
    )
    assert client.get(url).status_code == 200


def test_a_forged_token_is_404(client, seeded):
    alpha, _beta = seeded
    data_export, _created = data_export_request(user=alpha.user)
    run_ready_tasks()
    client.force_login(alpha.user)
    url = reverse("accounts:export-download", args=[export_token(data_export) + "x"])
    assert client.get(url).status_code == 404


def test_an_expired_export_is_404_and_the_daily_job_deletes_its_file(client, seeded):
    alpha, _beta = seeded
    data_export, _created = data_export_request(user=alpha.user)
    run_ready_tasks()
    data_export.refresh_from_db()
    stored = data_export.file.path
    later = timezone.now() + datetime.timedelta(days=EXPORT_DAYS, hours=1)
    with time_machine.travel(later, tick=False):
        assert _download(client, alpha.user, data_export).status_code == 404
        assert delete_expired_exports.call() == 1

    assert not DataExport.objects.exists()
    assert not os.path.exists(stored)


def test_a_fresh_export_is_kept_by_the_daily_job(seeded):
    alpha, _beta = seeded
    data_export_request(user=alpha.user)
    run_ready_tasks()
    assert delete_expired_exports.call() == 0
    assert DataExport.objects.get().file


def test_asking_twice_within_the_hour_builds_one_export(client, seeded):
    alpha, _beta = seeded
    client.force_login(alpha.user)
    client.post(reverse("accounts:export-request"))
    response = client.post(reverse("accounts:export-request"), follow=True)
    assert "already on its way" in response.content.decode()
    assert DataExport.objects.count() == 1


def test_the_export_speaks_the_customers_language(client, seeded):
    alpha, _beta = seeded
    alpha.user.preferred_language = "zh-hans"
    alpha.user.save()
    data_export, _created = data_export_request(user=alpha.user)
    run_ready_tasks()
    archive = _zip(_download(client, alpha.user, data_export))
    threads = json.loads(archive.read("consultations.json"))["consultations"]
    # The hospital's notice (no doctor was online) as the thread page writes it.
    [notice] = [m for m in threads[0]["messages"] if m["from"] is None]
    assert "医生" in notice["text"]


def test_the_profile_offers_the_export_and_closing_the_account(client, seeded):
    alpha, _beta = seeded
    client.force_login(alpha.user)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("accounts:export-request") in page
    assert reverse("accounts:close") in page
    assert "valid for 7 days" in page
