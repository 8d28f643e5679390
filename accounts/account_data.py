"""accounts' part of the export and of the erasure (accounts/personal_data.py):
the profile, its e-mail addresses and notifications; and, last of every
app's part, the account itself, anonymised."""

import json
import re

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from core.images import replace_images

from .access_log import access_log_export
from .models import DataExport, Notification, User
from .notifications import user_sockets_close
from .personal_data import Export, file_extension, personal_data_register, when

# An erased account's username: letters, digits and "_" (the validator's).
ANONYMOUS_USERNAME = "deleted_{pk}"


def export(user: User) -> Export:
    with translation.override(user.preferred_language):
        notifications = [
            {
                "text": notification.text,
                "link": notification.url,
                "created_at": when(notification.created_at),
                "read_at": when(notification.read_at),
            }
            for notification in Notification.objects.for_user(user)
        ]
    files = []
    avatar = None
    if user.avatar:
        avatar = f"files/account/avatar{file_extension(user.avatar)}"
        files.append((avatar, user.avatar))
    profile = {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "email_addresses": [
            {"email": address.email, "verified": address.verified}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "phone": user.phone,
        "preferred_language": user.preferred_language,
        "date_joined": when(user.date_joined),
        "last_login": when(user.last_login),
        "avatar": avatar,
    }
    return Export(
        data={
            "profile": profile,
            "notifications": notifications,
            "record_access": access_log_export(user),
        },
        files=files,
    )


def erase(user: User) -> None:
    """The account keeps its row (the pets, visits and notes the hospital
    keeps point at it) with nothing left that names the person, and can
    never sign in again; its sockets close after the commit."""
    Notification.objects.filter(recipient=user).delete()
    for data_export in DataExport.objects.filter(user=user):
        if data_export.file:
            data_export.file.delete(save=False)
        data_export.delete()
    for session in UserSession.objects.filter(user=user):
        session.end()
    Authenticator.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    if user.email:
        _forget_queued_emails(user.email)
    _forget_admin_history(user)
    if user.avatar or user.avatar_thumbnail:
        replace_images(user, {"avatar": None, "avatar_thumbnail": None})
    user.username = ANONYMOUS_USERNAME.format(pk=user.pk)
    user.display_name = user.first_name = user.last_name = ""
    user.email = user.phone = ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    user_sockets_close(user.pk)


def _forget_queued_emails(email):
    # The e-mail queue keeps each message (address, greeting, text) until
    # TASKS_KEEP_DAYS: those naming this address go, sent or not. The whole
    # address only: erasing li@example.com leaves bli@example.com's mail.
    whole = re.compile(rf"(?<![\w.+-]){re.escape(email)}(?![\w-])", re.IGNORECASE)
    rows = DBTaskResult.objects.alias(
        arguments=Cast("args_kwargs", TextField())
    ).filter(arguments__icontains=email)
    doomed = [
        row.pk
        for row in rows.only("pk", "args_kwargs")
        if whole.search(json.dumps(row.args_kwargs, ensure_ascii=False))
    ]
    DBTaskResult.objects.filter(pk__in=doomed).delete()


def _forget_admin_history(user):
    # The admin's history names the account as it was when edited.
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    ).update(object_repr=ANONYMOUS_USERNAME.format(pk=user.pk), change_message="")


def register() -> None:
    personal_data_register("account", export=export, erase=erase)
