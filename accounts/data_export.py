"""A customer's export of all their data: one ZIP of JSON and files.

Asked for on the profile page; built by the background work
(data_export_build) from every app's part (accounts/personal_data.py) into
private storage, never served from MEDIA_ROOT; e-mailed, in the customer's
language, as a link that works for EXPORT_DAYS, only for its owner signed
in (accounts.views_data.export_download). Expired ZIPs are deleted by the
daily job delete_expired_exports.
"""

import datetime
import json
import tempfile
import zipfile

from django.conf import settings
from django.core import signing
from django.core.files import File
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import task

from core.background import retrying_task

from .models import DataExport, User
from .personal_data import providers

EXPORT_DAYS = 7
EXPORT_SIGNING_SALT = "accounts.data_export"
# One export at a time: another is built only once this long has passed.
REBUILD_AFTER = datetime.timedelta(hours=1)


def data_export_request(*, user: User) -> tuple[DataExport, bool]:
    """Ask for an export (built and e-mailed by the worker). Returns it and
    whether it is new: one asked for within REBUILD_AFTER is not made twice."""
    now = timezone.now()
    recent = DataExport.objects.filter(
        user=user, requested_at__gt=now - REBUILD_AFTER
    ).first()
    if recent is not None:
        return recent, False
    with transaction.atomic():
        data_export = DataExport.objects.create(
            user=user, expires_at=now + datetime.timedelta(days=EXPORT_DAYS)
        )
        data_export_build.enqueue(data_export.pk)
    return data_export, True


def export_token(data_export: DataExport) -> str:
    return signing.dumps(
        {"export": data_export.pk, "user": data_export.user_id},
        salt=EXPORT_SIGNING_SALT,
    )


def export_from_token(token: str, *, user) -> DataExport | None:
    """The user's built, unexpired export the token names, else None."""
    try:
        value = signing.loads(
            token,
            salt=EXPORT_SIGNING_SALT,
            max_age=datetime.timedelta(days=EXPORT_DAYS),
        )
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or value.get("user") != user.pk:
        return None
    return (
        DataExport.objects.filter(
            pk=value.get("export"),
            user=user,
            built_at__isnull=False,
            expires_at__gt=timezone.now(),
        )
        .exclude(file="")
        .first()
    )


def export_zip_write(user: User, target) -> None:
    """Write the user's ZIP to the open binary file `target`: every app's
    `<name>.json`, and its files under the paths it gave."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            gettext(
                "Your data at Healing Paws, exported on %(date)s. Each .json "
                "file holds one part of it; photos are in the files folder."
            )
            % {"date": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
        )
        for provider in providers():
            part = provider.export(user)
            archive.writestr(
                f"{provider.name}.json",
                json.dumps(
                    part.data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
                ),
            )
            for path, stored in part.files:
                try:
                    with stored.open("rb") as source:
                        archive.writestr(path, source.read())
                except FileNotFoundError:
                    continue  # a file lost from storage: the JSON still names it


@retrying_task()
def data_export_build(export_id: int) -> None:
    data_export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if data_export is None or data_export.built_at is not None:
        return  # deleted meanwhile (account closed), or built by an earlier run
    user = data_export.user
    with translation.override(user.preferred_language):
        with _temporary_file() as spooled:
            export_zip_write(user, spooled)
            spooled.seek(0)
            data_export.file.save(
                f"healing-paws-{export_id}.zip", File(spooled), save=False
            )
        data_export.built_at = timezone.now()
        data_export.save(update_fields=["file", "built_at"])
        _mail_link(data_export)


def _temporary_file():
    return tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)


def _mail_link(data_export):
    user = data_export.user
    context = {
        "user": user,
        "url": settings.SITE_URL
        + reverse("accounts:export-download", args=[export_token(data_export)]),
        "expires_at": data_export.expires_at,
        "days": EXPORT_DAYS,
    }
    subject = render_to_string("accounts/email/data_export_subject.txt", context)
    subject = f"[{gettext('Healing Paws')}] {' '.join(subject.split())}"
    body = render_to_string("accounts/email/data_export_message.txt", context)
    send_mail(subject, body, None, [user.email])


@task()
def delete_expired_exports() -> int:
    """The daily job: expired exports' files and rows go. How many."""
    deleted = 0
    for data_export in DataExport.objects.expired(timezone.now()):
        if data_export.file:
            data_export.file.delete(save=False)
        data_export.delete()
        deleted += 1
    return deleted
