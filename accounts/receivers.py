"""Signal handlers: role assignment when an address is verified or a user logs in."""

from allauth.account.signals import email_confirmed
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation

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
