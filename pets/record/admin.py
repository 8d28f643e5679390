"""The record in the doctor dashboard: the care catalogue, and the doses on
the pet's page (an inline: pick the item, check the batch, save)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import DOCTORS_GROUP

from . import medications, services, weights
from .forms import WeightFormBase
from .health_models import Prescription, WeightEntry, WeightSource
from .models import CareDose, CareItem

NEXT_DUE_ORDER_ERROR = _("The next dose is due after the date given.")


class PlainChoicesMixin:
    """Foreign keys as plain selects: no add/change/view buttons beside the
    item or the vet, which a doctor recording a dose has no use for."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and hasattr(field.widget, "can_add_related"):
            field.widget.can_add_related = False
            field.widget.can_change_related = False
            field.widget.can_view_related = False
            field.widget.can_delete_related = False
        return field


def share_choices(formset, names):
    """Have the formset's select fields `names` read their options once for
    the whole formset, not once per row: a pet's page costs the same queries
    with 1 dose or 50. Call it last, once the fields' querysets are set."""
    form = formset.form
    shared = {name: list(form.base_fields[name].choices) for name in names}

    def share(self, *args, **kwargs):
        form.__init__(self, *args, **kwargs)
        for name, choices in shared.items():
            field = self.fields[name]
            field.choices = choices
            inner = getattr(field.widget, "widget", None)  # the admin's wrapper
            if inner is not None:
                inner.choices = choices

    shared_form = type(form.__name__, (form,), {"__init__": share})
    # The metaclass made fields afresh from Meta: keep the ones set up above.
    shared_form.base_fields = form.base_fields
    formset.form = shared_form
    return formset


def doctors():
    return (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__name=DOCTORS_GROUP) | Q(is_superuser=True))
        .distinct()
        .order_by("display_name", "username")
    )


@admin.register(CareItem)
class CareItemAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "name_zh_hans",
        "species",
        "kind",
        "interval_months",
        "first_dose_weeks",
        "active",
    ]
    list_filter = ["species", "kind", "active"]
    search_fields = ["name", "name_zh_hans"]

    def has_delete_permission(self, request, obj=None):
        # Doses refer to their item: retire it (untick "in use") instead.
        return False


class CareDoseForm(forms.ModelForm):
    class Meta:
        model = CareDose
        fields = ["item", "given_on", "batch_number", "vet", "next_due"]
        widgets = {
            "given_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "next_due": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "batch_number": forms.TextInput(attrs={"size": 12}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A given dose is the record: only its next due date may be corrected.
        if self.instance.pk:
            for name in ("item", "given_on", "batch_number", "vet"):
                self.fields[name].disabled = True

    def clean(self):
        data = super().clean()
        given_on, next_due = data.get("given_on"), data.get("next_due")
        if given_on and next_due and next_due <= given_on:
            self.add_error("next_due", NEXT_DUE_ORDER_ERROR)
        if not self.instance.pk:
            _ask(
                self,
                services.care_dose_dates_check,
                given_on=given_on,
                next_due=next_due,
            )
        elif "next_due" in self.changed_data:
            _ask(self, services.care_dose_dates_check, given_on=None, next_due=next_due)
        return data

    def validate_unique(self):
        # The item's species and the computed due date are the service's.
        pass

    def _post_clean(self):
        # The service validates the dose it builds (next due computed first).
        pass


class CareDoseInline(PlainChoicesMixin, admin.TabularInline):
    model = CareDose
    form = CareDoseForm
    fields = ["item", "given_on", "batch_number", "vet", "next_due", "recorded_by"]
    readonly_fields = ["recorded_by"]
    extra = 1
    can_delete = False
    verbose_name = _("dose")
    verbose_name_plural = _("vaccinations and preventive care")

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("item", "vet", "recorded_by")
        )

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        fields = formset.form.base_fields
        items = CareItem.objects.all()
        if obj is not None:
            items = items.filter(Q(species=obj.species))
        fields["item"].queryset = items
        fields["vet"].queryset = doctors()
        # Today, by the doctor at the keyboard: recording what was just given
        # is picking the item and saving.
        fields["given_on"].initial = timezone.localdate
        fields["vet"].initial = request.user.pk
        return share_choices(formset, ["item", "vet"])


def dose_forms_save(*, request, pet, formset) -> None:
    """CareDoseInline's forms through the services (PetAdmin.save_formset):
    each new dose recorded (by the doctor at the keyboard), each corrected
    due date set; fills the lists the admin's history message is built from."""
    for form in formset.forms:
        if not form.has_changed() or not form.is_valid():
            continue
        data = form.cleaned_data
        if form.instance.pk:
            dose = services.care_dose_set_next_due(
                dose=form.instance, next_due=data["next_due"]
            )
            formset.changed_objects.append((dose, form.changed_data))
        else:
            dose = services.care_dose_record(
                pet=pet,
                item=data["item"],
                vet=data["vet"],
                given_on=data["given_on"],
                batch_number=data["batch_number"],
                next_due=data["next_due"],
                recorded_by=request.user,
            )
            formset.new_objects.append(dose)


def _ask(form, check, **values):
    """Run a service's check on the form's values; its errors become the
    form's (raised at save time, they would be a 500)."""
    try:
        check(**values)
    except ValidationError as error:
        form.add_error(None, error)


class WeightForm(WeightFormBase):
    """A weighing by a doctor; the owner's form with the date checked first."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A weighing is the record; a wrong one is followed by a right one.
        if self.instance.pk:
            for field in self.fields.values():
                field.disabled = True

    def clean(self):
        data = super().clean()
        if not self.instance.pk and data.get("weighed_on") and self.instance.pet_id:
            _ask(
                self,
                weights.weighing_date_check,
                pet=self.instance.pet,
                weighed_on=data["weighed_on"],
            )
        return data


class WeightInline(admin.TabularInline):
    model = WeightEntry
    form = WeightForm
    fields = ["weighed_on", "weight_kg", "source", "recorded_by"]
    readonly_fields = ["source", "recorded_by"]
    extra = 1
    can_delete = False
    verbose_name = _("weighing")
    verbose_name_plural = _("weight history")
    classes = ["collapse"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("recorded_by")
            .order_by("-weighed_on", "-pk")
        )


def weight_forms_save(*, request, pet, formset) -> None:
    """WeightInline's new rows through the service, weighed by the doctor."""
    for form in formset.forms:
        if form.instance.pk or not form.has_changed() or not form.is_valid():
            continue
        entry = weights.weight_record(
            pet=pet,
            weight_kg=form.cleaned_data["weight_kg"],
            weighed_on=form.cleaned_data["weighed_on"],
            by=request.user,
            source=WeightSource.DOCTOR,
        )
        formset.new_objects.append(entry)


class PrescriptionForm(forms.ModelForm):
    class Meta:
        model = Prescription
        fields = [
            "drug",
            "dose",
            "frequency",
            "duration_days",
            "instructions",
            "start_date",
            "vet",
            "stopped_on",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "stopped_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "instructions": forms.Textarea(attrs={"rows": 2, "cols": 30}),
            "duration_days": forms.NumberInput(attrs={"size": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A prescription given is the record: it can only be stopped.
        if self.instance.pk:
            for name, field in self.fields.items():
                field.disabled = name != "stopped_on"

    def clean(self):
        data = super().clean()
        if not self.instance.pk:
            _ask(
                self,
                medications.prescription_dates_check,
                start_date=data.get("start_date"),
            )
        elif data.get("stopped_on") and "stopped_on" in self.changed_data:
            _ask(
                self,
                medications.prescription_dates_check,
                start_date=self.instance.start_date,
                stopped_on=data["stopped_on"],
            )
        return data

    def _post_clean(self):
        pass  # the service validates


class PrescriptionInline(PlainChoicesMixin, admin.StackedInline):
    model = Prescription
    form = PrescriptionForm
    readonly_fields = ["recorded_by"]
    extra = 1
    can_delete = False
    verbose_name = _("prescription")
    verbose_name_plural = _("prescriptions")
    classes = ["collapse"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("vet", "recorded_by")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        fields = formset.form.base_fields
        fields["start_date"].initial = timezone.localdate
        fields["vet"].queryset = doctors()
        fields["vet"].initial = request.user.pk
        return share_choices(formset, ["vet"])


def prescription_forms_save(*, request, pet, formset) -> None:
    """PrescriptionInline's forms through the services."""
    for form in formset.forms:
        if not form.has_changed() or not form.is_valid():
            continue
        data = form.cleaned_data
        if form.instance.pk:
            if data["stopped_on"] and form.instance.stopped_on is None:
                medications.prescription_stop(
                    prescription=form.instance, on=data["stopped_on"]
                )
                formset.changed_objects.append((form.instance, ["stopped_on"]))
            continue
        prescription = medications.prescription_create(
            pet=pet,
            vet=data["vet"],
            drug=data["drug"],
            dose=data["dose"],
            frequency=data["frequency"],
            start_date=data["start_date"],
            duration_days=data["duration_days"],
            instructions=data["instructions"],
            recorded_by=request.user,
        )
        formset.new_objects.append(prescription)
