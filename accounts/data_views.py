"""The customer's own data: the export's request and download, closing the
account and cancelling that (accounts/data_export.py, accounts/closure.py)."""

from allauth.account.decorators import reauthentication_required
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .closure import GRACE_DAYS, closure_cancel, closure_request, pending_closure
from .data_export import data_export_request, export_from_token


@login_required
@require_POST
def export_request(request):
    _data_export, created = data_export_request(user=request.user)
    if created:
        messages.success(
            request,
            _(
                "We are gathering your data. A link to download it will be "
                "e-mailed to %(email)s in a few minutes."
            )
            % {"email": request.user.email},
        )
    else:
        messages.info(
            request,
            _("Your data is already on its way; please look in your e-mail."),
        )
    return redirect("accounts:profile")


@login_required
def export_download(request, token):
    """The owner's ZIP, signed in; 404 to anybody else and once expired."""
    data_export = export_from_token(token, user=request.user)
    if data_export is None:
        raise Http404
    day = timezone.localtime(data_export.built_at).strftime("%Y-%m-%d")
    response = FileResponse(
        data_export.file.open("rb"),
        as_attachment=True,
        filename=f"healing-paws-data-{day}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@reauthentication_required
def close_account(request):
    """Explain, then ask to close the account (the password again first:
    allauth's reauthentication flow). Signs out every device after."""
    if request.method == "POST":
        try:
            closure = closure_request(user=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("accounts:profile")
        for session in UserSession.objects.filter(user=request.user):
            session.end()
        logout(request)
        messages.success(
            request,
            _(
                "Your account will be closed on %(day)s. Until then you can "
                "sign in and cancel on your profile."
            )
            % {
                "day": formats.date_format(
                    timezone.localtime(closure.erase_after), "DATETIME_FORMAT"
                )
            },
        )
        return redirect("home")
    return render(
        request,
        "accounts/close_account.html",
        {"grace_days": GRACE_DAYS, "closure": pending_closure(request.user)},
    )


@login_required
@require_POST
def close_account_cancel(request):
    if closure_cancel(user=request.user):
        messages.success(request, _("Your account stays open."))
    return redirect("accounts:profile")
