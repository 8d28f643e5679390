"""allauth's headless app client (/_allauth/app/v1/...) with the site's own
account rules, which allauth's headless inputs do not read from
ACCOUNT_FORMS: the accept-rules box and "address taken" at signup
(accounts.forms.SignupForm), usernames in any Unicode spelling at login
(LoginForm), reset links to verified addresses only (ResetPasswordForm);
and staff sign in only with a second factor: allauth's own stage asks an
account that has one for it (POST auth/2fa/authenticate with the pending
login's session token) and gives the token its rights only then; a staff
account without one gets no token while MFA_REQUIRED_FOR_STAFF is on.

Mounted over allauth's own paths in healingpaws/urls.py; everything else
(views, flows, rate limits, e-mails) stays allauth's.
"""

from allauth.account.adapter import get_adapter
from allauth.headless.account import inputs, views
from allauth.headless.constants import Client
from allauth.headless.internal.restkit.inputs import BooleanField, Input
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import path

from .api_auth import STAFF_WITHOUT_SECOND_FACTOR_MESSAGE
from .forms import ACCEPT_RULES_REQUIRED_ERROR, ResetPasswordForm
from .models import User
from .second_factor import has_second_factor, is_staff_account


class SignupInput(inputs.SignupInput):
    accept_rules = BooleanField(
        error_messages={"required": ACCEPT_RULES_REQUIRED_ERROR}
    )

    def validate_unique_email(self, value):
        # As SignupForm.validate_unique_email (whose super() is its own).
        email = super().validate_unique_email(value)
        if self.account_already_exists:
            raise get_adapter().validation_error("email_taken")
        return email


class LoginInput(inputs.LoginInput):
    def clean_username(self):
        return User.normalize_username(self.cleaned_data["username"])

    def clean(self):
        # A staff account with a second factor goes on to allauth's MFA
        # stage (a pending login, no rights yet); one without is refused
        # here, as the site would only let it set one up (accounts.
        # second_factor).
        cleaned_data = super().clean()
        login = getattr(self, "login", None)
        if (
            login is not None
            and settings.MFA_REQUIRED_FOR_STAFF
            and is_staff_account(login.user)
            and not has_second_factor(login.user)
        ):
            raise ValidationError(STAFF_WITHOUT_SECOND_FACTOR_MESSAGE, code="staff")
        return cleaned_data


class RequestPasswordResetInput(ResetPasswordForm, Input):
    pass


class SignupView(views.SignupView):
    input_class = {"POST": SignupInput}


class LoginView(views.LoginView):
    input_class = LoginInput


class RequestPasswordResetView(views.RequestPasswordResetView):
    input_class = RequestPasswordResetInput


def headless_urlpatterns(prefix: str) -> list:
    """The app client's sign-up, login and reset with the site's rules, to
    be mounted before allauth's headless URLs."""
    app = Client.APP
    return [
        path(f"{prefix}auth/signup", SignupView.as_api_view(client=app)),
        path(f"{prefix}auth/login", LoginView.as_api_view(client=app)),
        path(
            f"{prefix}auth/password/request",
            RequestPasswordResetView.as_api_view(client=app),
        ),
    ]
