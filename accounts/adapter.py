from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib import messages
from django.shortcuts import resolve_url
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.translation import gettext, gettext_lazy

from .models import User
from .roles import is_hospital_staff

EMAIL_CONFIRMED_SIGN_IN_MESSAGE = gettext_lazy(
    "Your e-mail is confirmed. Sign in to continue."
)
EMAIL_CONFIRMED_TEMPLATE = "account/messages/email_confirmed.txt"


@dataclass(frozen=True)
class EmailSite:
    """What allauth's e-mail templates read as `current_site`."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    """Healing Paws' hooks into allauth: landing pages, language, e-mails."""

    def get_login_redirect_url(self, request):
        # The hospital's staff work in the dashboard; customers start on the
        # public site.
        if is_hospital_staff(request.user):
            return resolve_url("admin:index")
        return super().get_login_redirect_url(request)

    def login(self, request, user):
        # Whether this is the account's first sign-in ever, read before
        # Django records this one (accounts.devices: no "new device" e-mail).
        request.healingpaws_first_sign_in = user.last_login is None
        super().login(request, user)

    def add_message(
        self,
        request,
        level,
        message_template=None,
        message_context=None,
        extra_tags="",
        message=None,
    ):
        # A visitor confirming their address signed out is signed in next (in
        # the signup's browser: "signed in as …") or sent to the login page,
        # which says why (below): allauth's "You have confirmed …" first would
        # say it twice.
        if message_template == EMAIL_CONFIRMED_TEMPLATE and not (
            request.user.is_authenticated
        ):
            return
        super().add_message(
            request, level, message_template, message_context, extra_tags, message
        )

    def get_email_verification_redirect_url(self, email_address):
        if not self.request.user.is_authenticated:
            # Confirmed in another browser than the signup's, or after its
            # session ended: allauth did not sign them in. The login page is
            # next, and says why.
            messages.success(self.request, EMAIL_CONFIRMED_SIGN_IN_MESSAGE)
        return super().get_email_verification_redirect_url(email_address)

    def save_user(self, request, user, form, commit=True):
        # A new account speaks the language the visitor was browsing in
        # (LocaleMiddleware only ever picks one of LANGUAGES).
        user.preferred_language = request.LANGUAGE_CODE
        return super().save_user(request, user, form, commit=commit)

    def clean_username(self, username, shallow=False):
        # One spelling per name before allauth checks it is free (case folded
        # by ACCOUNT_PRESERVE_USERNAME_CASING=False): U+F900 and U+8C48 are
        # the same ideograph, one name, as Django's own username field decides.
        return super().clean_username(User.normalize_username(username), shallow)

    def format_email_subject(self, subject):
        # Rendered inside send_mail's language override, so the prefix is
        # in the recipient's language too.
        return f"[{gettext('Healing Paws')}] {force_str(subject)}"

    def send_notification_mail(self, template_prefix, user, context=None, email=None):
        # allauth leaves the user out of a notification's context; the
        # greeting (templates/account/email/base_message.txt) names them.
        context = {"user": user, **(context or {})}
        return super().send_notification_mail(template_prefix, user, context, email)

    def send_mail(self, template_prefix, email, context):
        """Send every account e-mail in its recipient's language, from the
        hospital by name.

        Without django.contrib.sites allauth names the site by the request's
        host ("Hello from 127.0.0.1:8000!"): the site is "Healing Paws" in the
        recipient's language, at the host the links in the e-mail lead to
        (allauth builds them from the request, one of ALLOWED_HOSTS).
        """
        user = context.get("user")
        if not isinstance(user, User):
            user = User.objects.filter(email__iexact=email).first()
        language = user.preferred_language if user else translation.get_language()
        request = allauth_context.request
        domain = (
            request.get_host()
            if request is not None
            else urlsplit(settings.SITE_URL).netloc
        )
        with translation.override(language):
            site = EmailSite(name=gettext("Healing Paws"), domain=domain)
            super().send_mail(template_prefix, email, {"current_site": site, **context})
