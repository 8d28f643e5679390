"""Documents on the pet's admin page: doctors attach lab results and other
files (an inline); each upload is checked and cleaned by
pets.record.documents before anything is stored."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import documents
from .document_models import PetDocument

ACCEPT = "application/pdf,image/jpeg,image/png,image/webp"


class DocumentForm(forms.ModelForm):
    upload = forms.FileField(
        label=_("file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("A PDF or a JPEG, PNG or WebP image."),
    )

    class Meta:
        model = PetDocument
        fields = ["kind", "title", "visible_to_owner"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An attached file is the record: only who sees it may change.
        if self.instance.pk:
            for name in ("kind", "title", "upload"):
                self.fields[name].disabled = True

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            return data
        upload = data.get("upload")
        if upload is None:
            if data.get("title"):
                self.add_error("upload", forms.Field.default_error_messages["required"])
            return data
        try:
            data["clean"] = documents.document_clean(upload)
        except forms.ValidationError as error:
            self.add_error("upload", error)
        return data

    def has_changed(self):
        # A new row counts only once it has a title or a file.
        if self.instance.pk:
            return super().has_changed()
        return bool(self.data.get(self.add_prefix("title"))) or bool(
            self.files.get(self.add_prefix("upload"))
        )

    def _post_clean(self):
        pass  # the service validates


class DocumentInline(admin.TabularInline):
    model = PetDocument
    form = DocumentForm
    fields = ["kind", "title", "upload", "visible_to_owner", "download", "uploaded_by"]
    readonly_fields = ["download", "uploaded_by"]
    extra = 1
    can_delete = False
    verbose_name = _("document")
    verbose_name_plural = _("documents")
    classes = ["collapse"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description=_("download"))
    def download(self, document):
        if not document.pk:
            return "—"
        url = reverse("pets:document", args=[document.pet_id, document.pk])
        return format_html(
            '<a href="{}">{}</a> ({})',
            url,
            document.extension.upper(),
            document.created_at.date().isoformat(),
        )


def document_forms_save(*, request, pet, formset) -> None:
    """DocumentInline's forms through the services."""
    for form in formset.forms:
        if not form.has_changed() or not form.is_valid():
            continue
        data = form.cleaned_data
        if form.instance.pk:
            document = documents.document_set_visibility(
                document=form.instance, visible_to_owner=data["visible_to_owner"]
            )
            formset.changed_objects.append((document, form.changed_data))
            continue
        document = documents.document_attach(
            pet=pet,
            by=request.user,
            title=data["title"],
            kind=data["kind"],
            clean=data["clean"],
            visible_to_owner=data["visible_to_owner"],
        )
        formset.new_objects.append(document)
