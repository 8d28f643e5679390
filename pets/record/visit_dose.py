"""Recording a care dose from a visit's page in the dashboard.

The visit's page (reservations' admin) shows the form with `{% visit_dose_form
visit %}` (pets_tags); it posts here, to the pet's admin, and goes through the
same service as the pet's own page: the item, today, the batch and the doctor
at the keyboard, the next due date computed unless typed. The owner's record
redraws itself (the service's notice). No visit is stored on the dose: pets
sits below reservations and knows nothing of visits; given today, the dose
shows on the visit's day in the record's timeline, after the visit
(record.timeline_entries places it at the moment it was recorded).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts.roles import is_doctor

from ..models import Pet
from . import services
from .admin import CareDoseForm, doctors
from .models import CareDose, CareItem

PREFIX = "dose"
ADD_DOSE_PERMISSION = "pets.add_caredose"


def may_record_doses(user) -> bool:
    """Doctors; the front desk, which opens visits, records no care."""
    return is_doctor(user) and user.has_perm(ADD_DOSE_PERMISSION)


def visit_dose_form(*, pet: Pet, user, data=None) -> CareDoseForm:
    """The pet's form, set up as on its admin page: the species' items in
    use, given today by `user`, the next due date left to the interval."""
    form = CareDoseForm(
        data,
        prefix=PREFIX,
        instance=CareDose(pet=pet),
        initial={"given_on": timezone.localdate(), "vet": user.pk},
    )
    form.fields["item"].queryset = CareItem.objects.for_species(pet.species)
    form.fields["vet"].queryset = doctors()
    return form


class DosePagesMixin:
    """Added to PetAdmin: the URL a visit's dose form posts to."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/record-dose/",
                view(require_POST(self.record_dose_view)),
                name="pets_pet_record_dose",
            ),
            *super().get_urls(),
        ]

    def record_dose_view(self, request, pk):
        pet = get_object_or_404(self.get_queryset(request), pk=pk)
        if not may_record_doses(request.user):
            raise PermissionDenied
        form = visit_dose_form(pet=pet, user=request.user, data=request.POST)
        dose = None
        if form.is_valid():
            data = form.cleaned_data
            try:
                dose = services.care_dose_record(
                    pet=pet,
                    item=data["item"],
                    vet=data["vet"],
                    given_on=data["given_on"],
                    batch_number=data["batch_number"],
                    next_due=data["next_due"],
                    recorded_by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
        if dose is None:
            self.message_user(request, _errors_text(form), messages.ERROR)
        else:
            self.message_user(request, _recorded_text(dose), messages.SUCCESS)
        return HttpResponseRedirect(_back(request, pet))


def _recorded_text(dose: CareDose) -> str:
    if dose.next_due is None:
        return gettext("%(item)s recorded for %(pet)s.") % {
            "item": dose.item.display_name,
            "pet": dose.pet.name,
        }
    return gettext("%(item)s recorded for %(pet)s; next due %(date)s.") % {
        "item": dose.item.display_name,
        "pet": dose.pet.name,
        "date": formats.date_format(dose.next_due, "DATE_FORMAT"),
    }


def _errors_text(form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(errors)
        parts.append(f"{label}: {text}" if label else text)
    return gettext("The dose was not recorded: %(errors)s") % {
        "errors": " ".join(parts)
    }


def _back(request, pet: Pet) -> str:
    """The visit's page the form was on, else the pet's."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("admin:pets_pet_change", args=[pet.pk])
