"""allauth's password reset keys (ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR),
refused for a walk-in's unclaimed account: only the claim page, with the
desk's claim code, gives it a password (accounts/unclaimed.py). The web's
and the app's resets both check keys here.

Only allauth imports this module (through the setting, while its forms module
loads): importing it first would make that import circular.
"""

from allauth.account import forms as allauth_forms


class ResetTokenGenerator(allauth_forms.EmailAwarePasswordResetTokenGenerator):
    def check_token(self, user, token):
        from .unclaimed import is_unclaimed

        return not is_unclaimed(user) and super().check_token(user, token)
