from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.access_log_admin import AccessLoggedAdminMixin
from accounts.forms import ImageUploadField
from accounts.phones import PhoneSearchMixin
from core.admin_paging import PageFirstAdminMixin, change_url
from core.admin_parts import KeptResultsAdminMixin
from core.page_parts import NAMES, PETS

from . import services
from .models import (
    CareDose,
    DoctorNote,
    PatientAlert,
    Pet,
    PetDocument,
    Prescription,
    WeightEntry,
)
from .record.admin import (
    CareDoseInline,
    PrescriptionInline,
    WeightInline,
    dose_forms_save,
    prescription_forms_save,
    weight_forms_save,
)
from .record.alerts_admin import AlertInline, AlertPagesMixin, alert_forms_save
from .record.document_admin import DocumentInline, document_forms_save
from .record.refill_admin import RefillRequestAdmin  # noqa: F401 (registers it)
from .record.visit_dose import DosePagesMixin
from .templatetags.pets_tags import pet_photo


class ArchivedFilter(admin.SimpleListFilter):
    title = _("archived")
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("no", _("No")), ("yes", _("Yes"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.active()
        if self.value() == "yes":
            return queryset.archived()
        return queryset


class DoctorNoteForm(forms.ModelForm):
    class Meta:
        model = DoctorNote
        fields = ["text", "visible_to_owner"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3, "cols": 60})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A saved note is part of the record: only who sees it may change.
        if self.instance.pk:
            self.fields["text"].disabled = True


class DoctorNoteInline(admin.TabularInline):
    model = DoctorNote
    form = DoctorNoteForm
    fields = ["text", "visible_to_owner", "author", "created_at"]
    readonly_fields = ["author", "created_at"]
    extra = 1
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class PetAdminForm(forms.ModelForm):
    new_photo = ImageUploadField(label=_("New photo"), required=False, decode=True)

    class Meta:
        model = Pet
        fields = ["owner", *services.PET_DETAIL_FIELDS]


@admin.register(Pet)
class PetAdmin(
    AccessLoggedAdminMixin,
    KeptResultsAdminMixin,
    PageFirstAdminMixin,
    AlertPagesMixin,
    DosePagesMixin,
    PhoneSearchMixin,
    admin.ModelAdmin,
):
    # The plain list's table is kept rendered until these change (issue 14).
    kept_results_generations = (PETS, NAMES)
    # No second COUNT(*) of the whole table beside the filtered one (issue 14):
    # a filtered list offers "Show all" instead of the total.
    show_full_result_count = False
    # 50 rows a page, not Django's 100: a page renders in half the time, and
    # the search and the filters find the rest (issue 14).
    list_per_page = 50
    form = PetAdminForm
    list_display = [
        "thumbnail",
        "name",
        "owner_link",
        "species",
        "age",
        "archived",
        "created_at",
    ]
    list_display_links = ["thumbnail", "name"]
    list_filter = ["species", ArchivedFilter]
    list_select_related = ["owner"]
    search_fields = [
        "name",
        "owner__username",
        "owner__display_name",
        "owner__email",
        "owner__phone",
    ]
    phone_search_user = "owner"
    autocomplete_fields = ["owner"]
    readonly_fields = ["photo_preview", "archived_at", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["owner", "name", "species", "breed", "sex"]}),
        (
            _("Health"),
            {
                "fields": [
                    "birth_date",
                    "weight_kg",
                    "microchip_number",
                    "blood_type",
                    "notes",
                ]
            },
        ),
        (_("Photo"), {"fields": ["photo_preview", "new_photo"]}),
        (_("Record"), {"fields": ["archived_at", "created_at", "updated_at"]}),
    ]
    # Higher apps add theirs: reservations/admin/pet_history.py the visit history.
    inlines = [
        AlertInline,
        CareDoseInline,
        PrescriptionInline,
        WeightInline,
        DocumentInline,
        DoctorNoteInline,
    ]
    actions = ["archive", "restore"]

    def get_inlines(self, request, obj):
        # A pet being registered has no visits nor doses yet.
        if obj is None:
            return [DoctorNoteInline]
        return super().get_inlines(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # A pet changes hands rarely, and never by a slip in this form.
        if obj is not None:
            readonly.append("owner")
        return readonly

    def has_delete_permission(self, request, obj=None):
        # Medical records are archived, never deleted, even by operators.
        return False

    @admin.display(description="")
    def thumbnail(self, pet):
        return pet_photo(pet, "sm")

    @admin.display(description=_("photo"))
    def photo_preview(self, pet):
        return pet_photo(pet, "lg")

    @admin.display(description=_("owner"), ordering="owner__username")
    def owner_link(self, pet):
        url = change_url("admin:accounts_user_change", pet.owner_id)
        return format_html('<a href="{}">{}</a>', url, pet.owner.name)

    @admin.display(description=_("age"), ordering="-birth_date")
    def age(self, pet):
        return pet.age

    @admin.display(description=_("archived"), boolean=True, ordering="archived_at")
    def archived(self, pet):
        return pet.is_archived

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            # From save_model, after the form was valid: the photo could not
            # be stored (a full disk). The admin's transaction has rolled the
            # pet and its notes back; say so on the same page, not with a 500.
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        details = {name: form.cleaned_data[name] for name in services.PET_DETAIL_FIELDS}
        photo = form.cleaned_data.get("new_photo")
        if change:
            services.pet_update(pet=obj, photo=photo, **details)
            return
        created = services.pet_create(
            owner=form.cleaned_data["owner"], photo=photo, **details
        )
        # The admin goes on with `obj` (inlines, log entry): make it the new row.
        obj.pk = created.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        # Notes go through the services; the lists are what the admin's
        # history message is built from (formset.save() would fill them).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = (
            [],
            [],
            [],
        )
        if formset.model is CareDose:
            dose_forms_save(request=request, pet=form.instance, formset=formset)
            return
        if formset.model is PatientAlert:
            alert_forms_save(request=request, pet=form.instance, formset=formset)
            return
        if formset.model is Prescription:
            prescription_forms_save(request=request, pet=form.instance, formset=formset)
            return
        if formset.model is PetDocument:
            document_forms_save(request=request, pet=form.instance, formset=formset)
            return
        if formset.model is WeightEntry:
            weight_forms_save(request=request, pet=form.instance, formset=formset)
            return
        for note_form in formset.forms:
            if not note_form.has_changed() or not note_form.is_valid():
                continue
            data = note_form.cleaned_data
            if note_form.instance.pk:
                note = services.doctor_note_set_visibility(
                    note=note_form.instance, visible_to_owner=data["visible_to_owner"]
                )
                formset.changed_objects.append((note, note_form.changed_data))
            else:
                note = services.doctor_note_add(
                    pet=form.instance,
                    author=request.user,
                    text=data["text"],
                    visible_to_owner=data["visible_to_owner"],
                )
                formset.new_objects.append(note)

    @admin.action(description=_("Archive"), permissions=["change"])
    def archive(self, request, queryset):
        count = self._apply(queryset.active(), services.pet_archive)
        message = ngettext("%(count)d pet archived.", "%(count)d pets archived.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Restore from the archive"), permissions=["change"])
    def restore(self, request, queryset):
        count = self._apply(queryset.archived(), services.pet_restore)
        message = ngettext("%(count)d pet restored.", "%(count)d pets restored.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @staticmethod
    def _apply(pets, service):
        count = 0
        for pet in pets:
            service(pet=pet)
            count += 1
        return count
