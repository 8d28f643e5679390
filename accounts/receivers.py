"""Signal handlers: role assignment when an address is verified or a user logs
in; open sockets closed when a user logs out or changes the password
(deactivation closes them in services.user_deactivate); kept page parts that
show names drawn afresh when a user is saved."""

from allauth.account.signals import (
    email_confirmed,
    password_changed,
    password_reset,
    password_set,
)
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import translation

from core.page_parts import NAMES, USERS, page_parts_changed

from .models import User
from .notifications import user_sockets_close
from .services import user_sync_doctor_role


@receiver(email_confirmed, dispatch_uid="accounts.promote_on_email_confirmed")
def promote_on_email_confirmed(sender, request, email_address, **kwargs):
    user_sync_doctor_role(user=email_address.user)


@receiver(user_logged_in, dispatch_uid="accounts.promote_on_login")
def promote_on_login(sender, request, user, **kwargs):
    user_sync_doctor_role(user=user)


@receiver(user_logged_in, dispatch_uid="accounts.speak_users_language")
def speak_users_language(sender, request, user, **kwargs):
    # The rest of this request (the "signed in" message) already speaks the
    # user's language; PreferredLanguageMiddleware takes over from the next one.
    if request is not None and user.preferred_language:
        translation.activate(user.preferred_language)
        request.LANGUAGE_CODE = user.preferred_language


@receiver(user_logged_out, dispatch_uid="accounts.close_sockets_on_logout")
def close_sockets_on_logout(sender, request, user, **kwargs):
    if user is not None:
        user_sockets_close(user.pk)


@receiver(password_changed, dispatch_uid="accounts.close_sockets_on_password_change")
@receiver(password_set, dispatch_uid="accounts.close_sockets_on_password_set")
@receiver(password_reset, dispatch_uid="accounts.close_sockets_on_password_reset")
def close_sockets_on_new_password(sender, request, user, **kwargs):
    user_sockets_close(user.pk)


@receiver(
    m2m_changed, sender=User.groups.through, dispatch_uid="accounts.close_on_groups"
)
def close_sockets_on_group_loss(sender, instance, action, reverse, pk_set, **kwargs):
    """A user who leaves a group (the doctor role, translators) may lose
    access that an open socket still uses: close it, the page reconnects with
    what is left. Any way of changing groups: the services, the admin form
    (user.groups.set), a group's user_set."""
    if action not in ("pre_clear", "post_remove"):
        return
    if not reverse:  # user.groups.remove(...) / .clear()
        user_sockets_close(instance.pk)
        return
    # group.user_set.remove(users) / .clear(): pk_set holds the users' ids,
    # except for a clear, which gives none: read them before it happens.
    if action == "pre_clear":
        pk_set = set(instance.user_set.values_list("pk", flat=True))
    for user_id in pk_set or ():
        user_sockets_close(user_id)


# What a save of a user may write without changing anything a kept page
# part shows (a sign-in's last_login; the hash of a password).
_UNSHOWN_FIELDS = frozenset({"last_login", "password"})


@receiver(post_save, sender=User, dispatch_uid="accounts.users_on_kept_pages")
def users_on_kept_pages(sender, instance, update_fields=None, using=None, **kwargs):
    """A user's name shows on kept parts of pages (who did what on a visit,
    its owner for doctors, who wrote a message: NAMES), and the account in
    the dashboard's list of users (USERS): both are drawn afresh when a user
    is saved, unless the save wrote nothing they show."""
    if update_fields is None or not set(update_fields) <= _UNSHOWN_FIELDS:
        page_parts_changed(NAMES, USERS, using=using)


@receiver(post_delete, sender=User, dispatch_uid="accounts.users_gone_from_kept")
def users_gone_from_kept(sender, using=None, **kwargs):
    page_parts_changed(NAMES, USERS, using=using)


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="accounts.roles_kept")
def roles_on_kept_pages(sender, action, using=None, **kwargs):
    # The list of users shows each one's role, which is their groups.
    if action in {"post_add", "post_remove", "post_clear"}:
        page_parts_changed(USERS, using=using)
