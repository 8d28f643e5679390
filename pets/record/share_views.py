"""The owner's share links, and the read-only record they open."""

from allauth.account.adapter import get_adapter as get_account_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ..models import Pet
from . import sharing
from .alert_models import AlertKind, PatientAlert
from .document_views import document_attachment
from .forms import ShareForm
from .pages import care_context, medications_context, weight_context

SHARING_TAB = "?record=sharing#record"


def _private(response):
    """Nobody but the visitor keeps or indexes a shared record, and the token
    in its address goes to no other site."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@login_required
@require_POST
def share_create(request, pk):
    """Make a link; the page that answers shows it, once."""
    pet = get_object_or_404(Pet.objects.for_owner(request.user).active(), pk=pk)
    form = ShareForm(request.POST)
    if form.is_valid():
        try:
            share, token = sharing.share_create(
                pet=pet, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            url = request.build_absolute_uri(reverse("pets:shared", args=[token]))
            return _private(
                render(
                    request,
                    "pets/record/share_created.html",
                    {"pet": pet, "share": share, "share_url": url},
                )
            )
    else:
        messages.error(request, " ".join(e for es in form.errors.values() for e in es))
    return redirect(pet.get_absolute_url() + SHARING_TAB)


@login_required
@require_POST
def share_revoke(request, pk, share_pk):
    pet = get_object_or_404(Pet.objects.for_owner(request.user), pk=pk)
    share = get_object_or_404(pet.shares, pk=share_pk)
    sharing.share_revoke(share=share)
    messages.success(request, _("The link no longer works."))
    return redirect(pet.get_absolute_url() + SHARING_TAB)


@never_cache
def shared_record(request, token):
    """The record, read-only, for whoever holds a usable link; 404 else.
    Each opening is logged for the owner to see."""
    share = _usable_share(request, token)
    pet = share.pet
    alerts = PatientAlert.objects.active().filter(pet=pet)
    context = {
        "pet": pet,
        "share": share,
        "is_owner": False,
        # The other vet needs the alerts, allergies first.
        "patient_alerts": sorted(alerts, key=lambda a: a.kind != AlertKind.ALLERGY),
        "shared_documents": list(pet.documents.visible_to_owner()),
        "token": token,
        **care_context(pet),
        **weight_context(pet, is_owner=False),
        **medications_context(pet, is_owner=False),
    }
    return _private(render(request, "pets/record/shared_record.html", context))


@never_cache
def shared_document(request, token, document_pk):
    """A document the owner sees, for whoever holds a usable link to its
    pet's record (opening it is logged as opening the record); 404 else."""
    share = _usable_share(request, token)
    document = get_object_or_404(share.pet.documents.visible_to_owner(), pk=document_pk)
    return _private(document_attachment(document))


def _usable_share(request, token):
    ip_address = get_account_adapter().get_client_ip(request)
    share = sharing.share_open(token=token, ip_address=ip_address)
    if share is None:
        raise Http404
    return share
