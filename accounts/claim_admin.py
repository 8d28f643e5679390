"""The claim code page (accounts/claim_codes.py), in the users' admin: after
the walk-in form registers a new customer with an e-mail address, the desk
sees the code there once, to hand or print for the customer; if they lose it,
the desk issues a new one from the customer's page, which sends the claim
invitation again (and ends the earlier code and link)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .claim_codes import ClaimCode, claim_code_issue
from .models import User
from .roles import is_hospital_staff
from .unclaimed import claim_invitation_send, is_unclaimed

# The claim codes the desk is about to see, by account: each read once.
CLAIM_CODES_SESSION_KEY = "walk_in_claim_codes"


def show_claim_code_next(request, user_id, code):
    """Redirect to the claim code page, which shows `code` once."""
    codes = request.session.get(CLAIM_CODES_SESSION_KEY, {})
    codes[str(user_id)] = code
    request.session[CLAIM_CODES_SESSION_KEY] = codes
    return HttpResponseRedirect(
        reverse("admin:accounts_user_claim_code", args=[user_id])
    )


class ClaimCodeAdminMixin:
    """Added to UserAdmin: the claim code page, and on an unclaimed account's
    page the link to it (`claim`)."""

    def get_urls(self):
        return [
            path(
                "<int:user_id>/claim-code/",
                self.admin_site.admin_view(self.claim_code_view),
                name="accounts_user_claim_code",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("claim"))
    def claim(self, user):
        if not (user.pk and user.email and is_unclaimed(user)):
            return "—"
        return format_html(
            '{} <a href="{}">{}</a>',
            gettext("Not claimed yet."),
            reverse("admin:accounts_user_claim_code", args=[user.pk]),
            gettext("Issue a new claim code"),
        )

    def claim_code_view(self, request, user_id):
        owner = User.objects.customers().filter(pk=user_id).first()
        if not (
            is_hospital_staff(request.user) and self.has_view_permission(request, owner)
        ):
            raise PermissionDenied
        if owner is None or not owner.email or not is_unclaimed(owner):
            raise Http404
        if request.method == "POST":
            code = claim_code_issue(user=owner)
            claim_invitation_send(user=owner)
            self.message_user(
                request,
                gettext("A new claim code is issued and the invitation sent again."),
                messages.SUCCESS,
            )
            return show_claim_code_next(request, owner.pk, code)
        codes = request.session.get(CLAIM_CODES_SESSION_KEY, {})
        code = codes.pop(str(owner.pk), "")
        request.session[CLAIM_CODES_SESSION_KEY] = codes
        claim = ClaimCode.objects.filter(user=owner).first()
        with translation.override(owner.preferred_language):
            # The slip is for the customer: in their language.
            slip_language = translation.get_language()
            deadline = (
                formats.date_format(
                    timezone.localtime(claim.expires_at), "DATETIME_FORMAT"
                )
                if claim
                else ""
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Claim code"),
            "opts": self.opts,
            "owner": owner,
            "code": code,
            "deadline": deadline,
            "slip_language": slip_language,
        }
        return TemplateResponse(request, "admin/accounts/user/claim_code.html", context)
