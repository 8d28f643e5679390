from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView

from accounts.access_log import AccessLoggedDetailMixin
from accounts.roles import load_roles
from core import page_parts
from core.images import image_response

from . import services
from .forms import PetForm
from .models import Pet
from .record.alerts import alerts_shown_to
from .record.pages import chosen_tab, record_context
from .timeline import pet_timeline

# The URL's size, and the field holding that rendition.
PHOTO_FIELDS = {
    "full": "photo",
    "medium": "photo_medium",
    "thumbnail": "photo_thumbnail",
}


class PetListView(LoginRequiredMixin, ListView):
    """ "My pets": the customer's pets, or with ?archived=1 the archived ones.

    The list is a part kept rendered until the owner's records or a visit
    change (core/page_parts.py): the pets and the archived count are read
    only when it is drawn."""

    template_name = "pets/pet_list.html"
    context_object_name = "pets"

    def get_queryset(self):
        pets = Pet.objects.for_owner(self.request.user)
        if self.showing_archived:
            return pets.archived()
        return pets.active().with_list_details()

    @property
    def showing_archived(self):
        return self.request.GET.get("archived") == "1"

    @property
    def part_generations(self):
        # The cards show each pet's ongoing visit.
        return [page_parts.owner_generation(self.request.user.pk), page_parts.VISITS]

    @cached_property
    def archived_count(self):
        return Pet.objects.for_owner(self.request.user).archived().count()


class PetDetailView(LoginRequiredMixin, AccessLoggedDetailMixin, DetailView):
    """A pet's details and timeline; the owner's, or any pet for a doctor."""

    template_name = "pets/pet_detail.html"
    context_object_name = "pet"

    def get_queryset(self):
        # The roles and permissions in one query: who sees the pet, its alerts.
        load_roles(self.request.user)
        return Pet.objects.visible_to(self.request.user).select_related("owner")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_owner"] = self.object.owner_id == self.request.user.pk
        context["patient_alerts"] = alerts_shown_to(self.request.user, self.object)
        timeline = pet_timeline(pet=self.object, viewer=self.request.user)
        context["timeline"] = timeline
        context["current_visit"] = next(
            (
                entry.visit
                for entry in timeline
                if entry.visit is not None and entry.visit.is_ongoing
            ),
            None,
        )
        tab = chosen_tab(self.request.GET.get("record"), is_owner=context["is_owner"])
        context.update(
            record_context(
                self.object, tab=tab, is_owner=context["is_owner"], timeline=timeline
            )
        )
        return context


@login_required
def pet_create(request):
    return _pet_form(request, pet=None)


@login_required
def pet_edit(request, pk):
    pet = get_object_or_404(Pet.objects.for_owner(request.user), pk=pk)
    return _pet_form(request, pet=pet)


def _pet_form(request, *, pet):
    """Add a pet (pet=None) or edit one: the same form, page and answers."""
    if request.method == "POST":
        form = PetForm(request.POST, request.FILES, instance=pet)
    else:
        form = PetForm(instance=pet)
    if form.is_bound and form.is_valid():
        details = dict(form.cleaned_data)
        photo = details.pop("photo")
        try:
            if pet is None:
                pet = services.pet_create(owner=request.user, photo=photo, **details)
                message, url = _("%(name)s has been added."), reverse("pets:list")
            else:
                services.pet_update(pet=pet, photo=photo, **details)
                message, url = _("%(name)s has been saved."), pet.get_absolute_url()
        except ValidationError as error:
            form.add_error("photo", error)
        else:
            messages.success(request, message % {"name": pet})
            return _saved(request, url)
    return _form_page(request, form, pet=pet)


def _saved(request, url):
    # The photo uploader posts the form itself and follows the answer.
    if _is_background_request(request):
        return JsonResponse({"redirect": url})
    return redirect(url)


def _form_page(request, form, *, pet):
    status = 400 if form.errors else 200
    if form.errors and _is_background_request(request):
        return JsonResponse({"errors": form.errors}, status=status)
    return render(
        request, "pets/pet_form.html", {"form": form, "pet": pet}, status=status
    )


def _is_background_request(request):
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


@login_required
def pet_archive(request, pk):
    pet = get_object_or_404(Pet.objects.for_owner(request.user).active(), pk=pk)
    if request.method == "POST":
        services.pet_archive(pet=pet)
        messages.success(
            request,
            _("%(name)s has been archived. Its records are kept.") % {"name": pet},
        )
        return redirect("pets:list")
    return render(request, "pets/pet_confirm_archive.html", {"pet": pet})


@login_required
@require_POST
def pet_restore(request, pk):
    pet = get_object_or_404(Pet.objects.for_owner(request.user).archived(), pk=pk)
    services.pet_restore(pet=pet)
    messages.success(request, _("%(name)s is back on your list.") % {"name": pet})
    return redirect(pet)


@login_required
def pet_photo(request, pk, size):
    """Serve a pet's photo to its owner and to doctors; 404 for anybody else."""
    pet = get_object_or_404(Pet.objects.visible_to(request.user), pk=pk)
    image = getattr(pet, PHOTO_FIELDS[size])
    if not image:
        raise Http404
    return image_response(image)
