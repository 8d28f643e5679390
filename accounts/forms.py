from allauth.account.adapter import get_adapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.models import EmailAddress
from django import forms
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.forms import ImageUploadField

from .models import User
from .services import EMAIL_REQUIRED_ERROR, EMAIL_TAKEN_ERROR, email_in_use
from .unclaimed import claim_invitation_send, is_unclaimed
from .validators import USERNAME_MAX_LENGTH

ACCEPT_RULES_REQUIRED_ERROR = _("Please accept the terms of use to create an account.")


class SignupForm(AllauthSignupForm):
    """allauth's signup plus the accept-rules box and live-check hooks."""

    accept_rules = forms.BooleanField(
        error_messages={"required": ACCEPT_RULES_REQUIRED_ERROR},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.max_length = USERNAME_MAX_LENGTH
        username.widget.attrs.update(
            {"maxlength": USERNAME_MAX_LENGTH, "data-live-check": "username"}
        )
        self.fields["email"].widget.attrs["data-live-check"] = "email"
        # Last, after the passwords, where a reader expects it.
        self.fields["accept_rules"] = self.fields.pop("accept_rules")
        # Built per request: the link and the words follow the active language.
        self.fields["accept_rules"].label = format_html(
            '{} <a href="{}">{}</a>',
            _("I accept the hospital's"),
            reverse_lazy("terms"),
            _("terms of use and privacy notice"),
        )

    def validate_unique_email(self, value):
        """Say plainly that an address is taken.

        The product asks for this hint at signup (and the live check gives it
        anyway), so signup does not hide it; password reset still does
        (ACCOUNT_PREVENT_ENUMERATION).
        """
        email = super().validate_unique_email(value)
        if self.account_already_exists:
            raise get_adapter().validation_error("email_taken")
        return email


class LoginForm(AllauthLoginForm):
    """allauth's login, finding a username in any of its Unicode spellings.

    Usernames are stored NFKC-normalised (accounts.adapter.clean_username);
    a name typed with compatibility characters must find the same account.
    """

    def user_credentials(self):
        credentials = super().user_credentials()
        if "username" in credentials:
            credentials["username"] = User.normalize_username(credentials["username"])
        return credentials


class ResetPasswordForm(AllauthResetPasswordForm):
    """allauth's reset form, sending links to verified addresses only.

    allauth falls back to User.email and to addresses still waiting for
    verification; whoever could put an address there (a pending change, an
    admin edit) could reset the password. An unverified address is treated
    as unknown: the page looks the same (ACCOUNT_PREVENT_ENUMERATION), and
    the address gets allauth's "no account" e-mail. A walk-in's unclaimed
    account with that address gets its claim invitation again instead (the
    claim page asks the desk's code: accounts/unclaimed.py), never a reset.
    """

    def clean_email(self):
        email = super().clean_email()
        verified = set(
            EmailAddress.objects.filter(
                email__iexact=email, verified=True, user__in=self.users
            ).values_list("user_id", flat=True)
        )
        self.unclaimed = [
            user
            for user in self.users
            if user.pk not in verified and user.email.lower() == email.lower()
            if is_unclaimed(user)
        ]
        self.users = [user for user in self.users if user.pk in verified]
        return email

    def save(self, request, **kwargs):
        if self.users or not self.unclaimed:
            return super().save(request, **kwargs)
        for user in self.unclaimed:
            claim_invitation_send(user=user)
        return self.cleaned_data["email"]


class UserAdminChangeForm(UserChangeForm):
    """The user admin's form: an address in use elsewhere is refused here, with
    the field, rather than by the service after the save."""

    def clean_email(self):
        email = self.cleaned_data.get("email", "")
        if "email" in self.changed_data:
            if not email:
                raise ValidationError(EMAIL_REQUIRED_ERROR)
            if email_in_use(email=email, exclude=self.instance):
                raise ValidationError(EMAIL_TAKEN_ERROR)
        return email


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "phone", "preferred_language"]
        widgets = {
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        }


class AvatarForm(forms.Form):
    avatar = ImageUploadField(label=_("New avatar"))
