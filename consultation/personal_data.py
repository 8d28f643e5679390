"""consultation's part of a customer's export and of an account's erasure
(accounts/personal_data.py), registered in ConsultationConfig.ready().

Export: every thread of the customer with every message as the thread page
shows it (the hospital's notices in the customer's language), and the
photos.

Erasure: what the customer wrote goes (the text of their messages and their
threads' subjects, replaced by a placeholder; their photos, files and all);
the doctors' replies stay, as the hospital's record of its advice.
"""

from functools import partial

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from accounts.personal_data import Export, file_extension, personal_data_register, when
from core.images import delete_files

from .models import Message, MessageKind, Thread


def _sender(message, user):
    if message.sender_id is None:
        return None
    if message.sender_id == user.pk:
        return gettext("You")
    return message.sender.name


def export(user) -> Export:
    threads = (
        Thread.objects.for_customer(user)
        .select_related("pet")
        .prefetch_related("messages__sender")
        .order_by("created_at", "pk")
    )
    data, files = [], []
    for thread in threads:
        messages = []
        for message in thread.messages.all():
            photo = None
            if message.photo:
                photo = (
                    f"files/consultations/{thread.pk}/{message.pk}"
                    f"{file_extension(message.photo)}"
                )
                files.append((photo, message.photo))
            messages.append(
                {
                    "at": when(message.created_at),
                    "from": _sender(message, user),
                    "text": message.display_text,
                    "photo": photo,
                    "urgent": message.urgent,
                }
            )
        data.append(
            {
                "id": thread.pk,
                "subject": thread.subject,
                "pet": thread.pet.name if thread.pet_id else None,
                "state": thread.state,
                "started_at": when(thread.created_at),
                "messages": messages,
            }
        )
    return Export(data={"consultations": data}, files=files)


def erase(user) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        removed = gettext("(removed: the customer closed their account)")
        subject = gettext("Consultation %(number)s")
    files = []
    own = Message.objects.filter(sender=user, kind=MessageKind.USER)
    for message in own.exclude(photo=""):
        files += [image.name for image in (message.photo, message.photo_thumbnail)]
    own.update(text=removed, photo="", photo_thumbnail="")
    threads = Thread.objects.for_customer(user)
    for thread in threads:
        thread.subject = subject % {"number": thread.pk}
        thread.save(update_fields=["subject"])
    # The admin's history names a thread by its subject.
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Thread),
        object_id__in=[str(thread.pk) for thread in threads],
    ).update(object_repr=subject % {"number": "—"})
    storage = Message._meta.get_field("photo").storage
    stored = [(storage, name) for name in files if name]
    transaction.on_commit(partial(delete_files, stored))


def register() -> None:
    personal_data_register("consultations", export=export, erase=erase)
