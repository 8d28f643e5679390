"""The owner's record in one ZIP: each document shown to them and the
vaccination certificate.

Up to BUNDLE_INLINE_MAX_BYTES of documents it is built during the request
into a spooled temporary file (in memory while small, on disk beyond) and
streamed from there, never held twice. Above that a worker builds it
(record_bundle_build) into a file the owner is told about (a notification
with its link) and may download for a week; delete_expired_bundles, run
daily, removes it after.
"""

import datetime
import shutil
import tempfile
import zipfile

from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import task

from accounts.models import User
from accounts.notifications import notification_kind_register, notification_send
from core.background import retrying_task

from ..models import Pet
from . import certificates
from .certificate_pdf import render_certificate
from .document_models import RecordBundle

BUNDLE_INLINE_MAX_BYTES = 20 * 1024 * 1024
BUNDLE_REUSE = datetime.timedelta(hours=1)
BUNDLE_READY = "record_bundle"
CLEAN_UP_EVERY = datetime.timedelta(days=1)


def documents_size(pet: Pet) -> int:
    return sum(pet.documents.visible_to_owner().values_list("size", flat=True))


def documents_zip_write(*, pet: Pet, owner: User, target) -> None:
    """Write the ZIP to `target` (a file object), in the active language."""
    certificate = certificates.certificate_issue(pet=pet, by=owner)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("vaccination-certificate.pdf", render_certificate(certificate))
        for document in pet.documents.visible_to_owner():
            try:
                with document.file.open("rb") as stored:
                    # Copied in chunks: no document is read whole into memory.
                    name = f"documents/{document.download_name}"
                    with archive.open(name, "w") as packed:
                        shutil.copyfileobj(stored, packed)
            except FileNotFoundError:
                continue  # lost from storage: the rest is still worth having


# Kept in memory up to this size, then on disk.
SPOOL_MAX_BYTES = 8 * 1024 * 1024


def documents_zip_file(*, pet: Pet, owner: User):
    """The ZIP in a spooled temporary file, at its start, for a response to
    stream (FileResponse closes it, which deletes it)."""
    # Not a `with`: the response streams it and closes it after.
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES)  # noqa: SIM115
    try:
        documents_zip_write(pet=pet, owner=owner, target=spooled)
    except BaseException:
        spooled.close()
        raise
    spooled.seek(0)
    return spooled


@transaction.atomic
def bundle_request(*, pet: Pet, by: User) -> RecordBundle:
    """Have a worker build the ZIP. A request still waiting, or one made in
    the last BUNDLE_REUSE, is reused: each is tens of MB kept for a week,
    and asking again and again must not fill the disk or the queue."""
    Pet.objects.select_for_update().filter(pk=pet.pk).first()  # one at a time
    recent = pet.bundles.filter(requested_by=by).filter(
        Q(built_at__isnull=True) | Q(created_at__gte=timezone.now() - BUNDLE_REUSE)
    )
    waiting = recent.order_by("-created_at").first()
    if waiting is not None:
        return waiting
    bundle = RecordBundle.objects.create(pet=pet, requested_by=by)
    record_bundle_build.enqueue(bundle.pk)
    return bundle


@retrying_task()
def record_bundle_build(bundle_id: int) -> None:
    bundle = (
        RecordBundle.objects.select_related("pet", "pet__owner", "requested_by")
        .filter(pk=bundle_id, built_at__isnull=True)
        .first()
    )
    if bundle is None:
        return  # built by an earlier run, or deleted
    owner = bundle.requested_by
    with (
        translation.override(owner.preferred_language),
        tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES) as spooled,
    ):
        documents_zip_write(pet=bundle.pet, owner=owner, target=spooled)
        spooled.seek(0)
        bundle.file.save(f"{bundle.pk}.zip", File(spooled), save=False)
    bundle.built_at = timezone.now()
    bundle.save(update_fields=["file", "built_at"])
    pet = bundle.pet
    notification_send(
        recipient=owner,
        kind=BUNDLE_READY,
        url=pet.get_absolute_url() + "?record=documents#record",
        pet=pet.name,
        pet_id=pet.pk,
    )


@task()
def delete_expired_bundles() -> int:
    deleted = 0
    for bundle in RecordBundle.objects.expired(timezone.now()):
        if bundle.file:
            bundle.file.delete(save=False)
        bundle.delete()
        deleted += 1
    return deleted


def _ready_text(params):
    return gettext("The documents of %(pet)s are ready to download.") % {
        "pet": params.get("pet", "")
    }


def register() -> None:
    notification_kind_register(
        BUNDLE_READY,
        text=_ready_text,
        payload=lambda params: {"pet": params.get("pet_id")},
        icon="bi-file-earmark-zip",
    )
