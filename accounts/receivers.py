"""Signal handlers: role assignment when an address is verified or a user logs in."""

from allauth.account.signals import email_confirmed
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .services import user_sync_doctor_role


@receiver(email_confirmed, dispatch_uid="accounts.promote_on_email_confirmed")
def promote_on_email_confirmed(sender, request, email_address, **kwargs):
    user_sync_doctor_role(user=email_address.user)


@receiver(user_logged_in, dispatch_uid="accounts.promote_on_login")
def promote_on_login(sender, request, user, **kwargs):
    user_sync_doctor_role(user=user)
