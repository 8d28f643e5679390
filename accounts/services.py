"""Writes to accounts: roles, activation, profile, e-mail, avatar. Views, the
admin and commands call these."""

from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.images import process_image, replace_images

from .models import User
from .notifications import user_sockets_close
from .roles import DOCTORS_GROUP, TRANSLATORS_GROUP, is_listed_doctor_email


@transaction.atomic
def user_promote_to_doctor(*, user: User) -> User:
    """Make a user a doctor: staff and member of the Doctors group."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name=DOCTORS_GROUP))
    user._is_doctor = True
    return user


@transaction.atomic
def user_demote_from_doctor(*, user: User) -> User:
    """Take the doctor role away; the user's open sockets close after the
    commit (a chat socket would otherwise go on hearing every thread)."""
    user.groups.remove(Group.objects.get(name=DOCTORS_GROUP))
    if not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    user._is_doctor = False
    user_sockets_close(user.pk)
    return user


def user_sync_doctor_role(*, user: User) -> bool:
    """Promote a user whose verified e-mail is listed in HEALINGPAWS_DOCTOR_EMAILS.

    Only a verified address counts: otherwise anybody could sign up with a
    doctor's address and wait. Removing an address from the list does not
    demote anybody (an operator does that in the admin). Returns True when the
    user was promoted now.
    """
    if user.is_doctor:
        return False
    verified = EmailAddress.objects.filter(user=user, verified=True).values_list(
        "email", flat=True
    )
    if any(is_listed_doctor_email(email) for email in verified):
        user_promote_to_doctor(user=user)
        return True
    return False


def user_deactivate(*, user: User) -> User:
    """Stop a user from logging in; their records stay for the hospital."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    user_sockets_close(user.pk)
    return user


def user_activate(*, user: User) -> User:
    """Let a deactivated user log in again."""
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def user_set_access(
    *, user: User, is_staff: bool, is_superuser: bool, groups: Iterable[Group]
) -> User:
    """An operator sets who a user is (the user admin's Permissions section).

    The doctor role is given and taken by user_promote_to_doctor and
    user_demote_from_doctor, so either way it goes as from the list's actions;
    then the other groups, staff and superuser are set as ticked, which have
    the last word (an operator may keep a former doctor as staff). Losing
    staff or superuser closes the user's sockets, as losing a group does
    (accounts.receivers).
    """
    groups = set(groups)
    doctors = Group.objects.get(name=DOCTORS_GROUP)
    was_doctor = user.groups.filter(pk=doctors.pk).exists()
    was = User.objects.values("is_staff", "is_superuser").get(pk=user.pk)
    if doctors in groups and not was_doctor:
        user_promote_to_doctor(user=user)
    elif was_doctor and doctors not in groups:
        user_demote_from_doctor(user=user)
    user.groups.set(groups)
    user.is_staff, user.is_superuser = is_staff, is_superuser
    user.save(update_fields=["is_staff", "is_superuser"])
    user.__dict__.pop("_is_doctor", None)  # asked again when next needed
    if (was["is_staff"] and not is_staff) or (was["is_superuser"] and not is_superuser):
        user_sockets_close(user.pk)
    return user


@transaction.atomic
def user_add_to_translators(*, user: User) -> User:
    user.groups.add(Group.objects.get(name=TRANSLATORS_GROUP))
    return user


@transaction.atomic
def user_create_verified(
    *, username: str, email: str, password: str | None, **fields
) -> User:
    """Create a user whose e-mail is already verified (operators, demo data).

    Users made outside allauth have no EmailAddress row, and mandatory
    verification would lock them out.
    """
    user = User(username=username, email=email, **fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


def user_update_profile(
    *, user: User, display_name: str, phone: str, preferred_language: str
) -> User:
    user.display_name = display_name
    user.phone = phone
    user.preferred_language = preferred_language
    return _save_validated(user, ["display_name", "phone", "preferred_language"])


def user_set_language(*, user: User, language: str) -> User:
    user.preferred_language = language
    return _save_validated(user, ["preferred_language"])


def _save_validated(user, fields):
    # Only the changed fields: none of them is unique, so no lookups are
    # needed, and an unrelated old value cannot block the change.
    others = [field.name for field in User._meta.fields if field.name not in fields]
    user.clean_fields(exclude=others)
    user.save(update_fields=fields)
    return user


def user_set_avatar(*, user: User, upload) -> User:
    """Store a re-encoded avatar and its thumbnail; the old files are deleted."""
    processed = process_image(upload, max_side=512, thumbnail_side=96)
    return replace_images(
        user, {"avatar": processed.original, "avatar_thumbnail": processed.thumbnail}
    )


def user_remove_avatar(*, user: User) -> User:
    return replace_images(user, {"avatar": None, "avatar_thumbnail": None})


EMAIL_REQUIRED_ERROR = _("An account needs an e-mail address.")
EMAIL_TAKEN_ERROR = _("This e-mail address belongs to another account.")


def email_in_use(*, email: str, exclude: User | None = None) -> bool:
    """Whether another account has this address (verified or waiting)."""
    addresses = EmailAddress.objects.filter(email__iexact=email)
    users = User.objects.filter(email__iexact=email)
    if exclude is not None:
        addresses = addresses.exclude(user=exclude)
        users = users.exclude(pk=exclude.pk)
    return addresses.exists() or users.exists()


def user_confirm_email(*, user: User, email: str) -> None:
    """An operator vouches for one of the user's addresses: it is verified
    (create_doctor). An address the account does not have is left alone."""
    EmailAddress.objects.filter(user=user, email__iexact=email).update(verified=True)


def user_request_email_change(*, user: User, email: str, request) -> EmailAddress:
    """An operator changes somebody's e-mail address: only once it is verified.

    Decision: an address typed in the admin is not trusted. It becomes the
    account's pending (unverified) address and gets allauth's verification
    e-mail, exactly as when the user changes it on /accounts/email/; the
    account keeps its current address (login, password reset, e-mails) until
    the link is followed, when allauth makes the new one primary and drops the
    old (ACCOUNT_CHANGE_EMAIL). A mistyped or hostile address therefore never
    receives a password reset for the account. A second change replaces the
    pending address.
    """
    email = email.strip()
    if not email:
        raise ValidationError({"email": EMAIL_REQUIRED_ERROR})
    if email_in_use(email=email, exclude=user):
        raise ValidationError({"email": EMAIL_TAKEN_ERROR})
    current = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if current is not None and current.verified:
        # Already one of the account's verified addresses: nothing to prove.
        current.set_as_primary()
        return current
    return EmailAddress.objects.add_new_email(request, user, email)
