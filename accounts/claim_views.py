"""The claim page of a walk-in's account (accounts/unclaimed.py): the claim
invitation's link leads here; the desk's claim code and a new password make
the account the customer's."""

from allauth.account.fields import PasswordField, SetPasswordField
from allauth.account.forms import PasswordVerificationMixin
from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from .claim_codes import CODE_LENGTH
from .unclaimed import account_claim, claim_user

CLAIMED_MESSAGE = _(
    "Your account is ready: sign in with your e-mail address and your new password."
)


class ClaimForm(PasswordVerificationMixin, forms.Form):
    claim_code = forms.CharField(
        label=_("Claim code"),
        max_length=CODE_LENGTH + 4,  # with a dash or spaces
        help_text=_(
            "The code our front desk gave you at the hospital (it is never "
            "sent by e-mail), for example ABCD-EFGH."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters"}
        ),
    )
    password1 = SetPasswordField(label=_("New Password"))
    password2 = PasswordField(
        label=_("New Password (again)"), autocomplete="new-password"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["password1"].user = user

    def claim(self) -> bool:
        """Claim the account; False (and the code's error) when refused."""
        error = account_claim(
            user=self.user,
            code=self.cleaned_data["claim_code"],
            password=self.cleaned_data["password1"],
        )
        if error:
            self.add_error("claim_code", error)
        return not error


@never_cache
@sensitive_post_parameters("claim_code", "password1", "password2")
def claim(request, uidb36, token):
    user = claim_user(uidb36, token)
    if user is None:
        return render(request, "account/claim.html", {"token_fail": True}, status=404)
    form = ClaimForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid() and form.claim():
        messages.success(request, CLAIMED_MESSAGE)
        return redirect("account_login")
    return render(
        request,
        "account/claim.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )
