from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.shortcuts import resolve_url
from django.utils import translation

from .models import User
from .roles import is_doctor


class AccountAdapter(DefaultAccountAdapter):
    """Healing Paws' hooks into allauth: landing pages, language, e-mails."""

    def get_login_redirect_url(self, request):
        # Doctors work in the dashboard; customers start on the public site.
        if is_doctor(request.user):
            return resolve_url("admin:index")
        return super().get_login_redirect_url(request)

    def save_user(self, request, user, form, commit=True):
        # A new account speaks the language the visitor was browsing in.
        user.preferred_language = _supported(
            getattr(request, "LANGUAGE_CODE", None) or settings.LANGUAGE_CODE
        )
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix, email, context):
        """Send every account e-mail in its recipient's language."""
        user = context.get("user")
        if not isinstance(user, User):
            user = User.objects.filter(email__iexact=email).first()
        language = user.preferred_language if user else translation.get_language()
        with translation.override(_supported(language)):
            super().send_mail(template_prefix, email, context)


def _supported(language):
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else settings.LANGUAGE_CODE
