"""The record's documents: the vaccination certificate (PDF), the files
doctors attached, everything as one ZIP, and the public page where anyone
checks a certificate's verification code."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from accounts.access_log import access_record
from accounts.roles import is_doctor
from core.ratelimit import within_budget

from ..models import Pet
from . import bundle, certificates
from .certificate_pdf import render_certificate
from .document_models import BUNDLE_KEEP

DOCUMENTS_TAB = "?record=documents#record"


def attachment(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    """A private download: saved, never shown inline, never sniffed."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def document_attachment(document) -> HttpResponse:
    """A stored document of the record as a private download; 404 when its
    file is gone (removed by hand, media not restored), not a 500."""
    try:
        with document.file.open("rb") as stored:
            content = stored.read()
    except FileNotFoundError:
        raise Http404 from None
    return attachment(
        content, content_type=document.content_type, filename=document.download_name
    )


def file_attachment(file, *, content_type: str, filename: str) -> FileResponse:
    """attachment() streamed from an open file, which the response closes."""
    response = FileResponse(
        file, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# The certificate and the ZIP are drawn afresh each time (about a second of
# CPU for the PDF's fonts, tens of MB for the ZIP): a person needs a few a
# minute, a script looping on them would take the server's cores
# (counted per user in the shared cache).
DOWNLOADS_A_MINUTE = 6


def _too_many(request, pet):
    messages.error(
        request, _("Too many downloads in a short time; please wait a minute.")
    )
    return redirect(pet.get_absolute_url() + DOCUMENTS_TAB)


def ascii_name(pet: Pet) -> str:
    """A file name part every browser keeps: Chinese names become the id."""
    return slugify(pet.name) or f"pet-{pet.pk}"


@login_required
def certificate_download(request, pk):
    """The owner's vaccination certificate, in the owner's language; 404 for
    anybody else."""
    pet = get_object_or_404(
        Pet.objects.for_owner(request.user).select_related("owner"), pk=pk
    )
    if not within_budget(
        request.user, action="record_download", per_minute=DOWNLOADS_A_MINUTE
    ):
        return _too_many(request, pet)
    certificate = certificates.certificate_issue(pet=pet, by=request.user)
    with translation.override(request.user.preferred_language):
        content = render_certificate(certificate)
    day = timezone.localdate().isoformat()
    return attachment(
        content,
        content_type="application/pdf",
        filename=f"vaccination-certificate-{ascii_name(pet)}-{day}.pdf",
    )


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Verification code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


@never_cache
def certificate_verify(request):
    """Anyone checks a code: the page shows only the pet's name and species,
    the issue date and the items listed, never the owner."""
    form = VerifyForm(request.GET or None)
    context = {"form": form, "checked": False, "certificate": None}
    if form.is_valid():
        context["checked"] = True
        context["certificate"] = certificates.certificate_find(
            form.cleaned_data["code"]
        )
        if context["certificate"] is not None:
            context["entries"] = [
                {
                    "name": certificates.item_name(entry),
                    "given_on": certificates.entry_date(entry["given_on"]),
                    "next_due": certificates.entry_date(entry["next_due"]),
                }
                for entry in context["certificate"].items
            ]
    response = render(request, "pets/record/certificate_verify.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_required
def document_download(request, pk, document_pk):
    """A document of the record, for its owner (if shown to them) and for
    doctors; 404 for anybody else."""
    pet = get_object_or_404(Pet.objects.visible_to(request.user), pk=pk)
    documents = pet.documents.all()
    if pet.owner_id == request.user.pk and not is_doctor(request.user):
        documents = documents.visible_to_owner()
    document = get_object_or_404(documents, pk=document_pk)
    access_record(request, [document])  # staff only: not the owner
    return document_attachment(document)


@login_required
def documents_zip(request, pk):
    """Everything in one ZIP for the owner: the documents shown to them and
    a fresh vaccination certificate; built now when small, else by a worker
    (the owner is notified); 404 for anybody else."""
    pet = get_object_or_404(
        Pet.objects.for_owner(request.user).select_related("owner"), pk=pk
    )
    if not within_budget(
        request.user, action="record_download", per_minute=DOWNLOADS_A_MINUTE
    ):
        return _too_many(request, pet)
    if bundle.documents_size(pet) > bundle.BUNDLE_INLINE_MAX_BYTES:
        bundle.bundle_request(pet=pet, by=request.user)
        messages.info(
            request,
            _(
                "The ZIP is being prepared. You will be notified when it is "
                "ready to download here."
            ),
        )
        return redirect(pet.get_absolute_url() + DOCUMENTS_TAB)
    with translation.override(request.user.preferred_language):
        spooled = bundle.documents_zip_file(pet=pet, owner=request.user)
    day = timezone.localdate().isoformat()
    return file_attachment(
        spooled,
        content_type="application/zip",
        filename=f"record-{ascii_name(pet)}-{day}.zip",
    )


@login_required
def bundle_download(request, pk, bundle_pk):
    """A ZIP a worker built, for the owner who asked; 404 for anybody else."""
    pet = get_object_or_404(Pet.objects.for_owner(request.user), pk=pk)
    ready = pet.bundles.filter(
        requested_by=request.user,
        built_at__isnull=False,
        created_at__gt=timezone.now() - BUNDLE_KEEP,
    )
    record_bundle = get_object_or_404(ready, pk=bundle_pk)
    day = timezone.localtime(record_bundle.built_at).date().isoformat()
    return file_attachment(
        record_bundle.file.open("rb"),
        content_type="application/zip",
        filename=f"record-{ascii_name(pet)}-{day}.zip",
    )
