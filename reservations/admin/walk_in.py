"""The walk-in form of the dashboard (Today panel, queue page) and its search
of existing customers' pets. Registering goes through
services.walk_in_register, like every change to a visit."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from accounts.claim_admin import show_claim_code_next
from accounts.roles import is_hospital_staff
from pets.models import Species

from .. import services
from ..forms import VisitTypeField
from ..models import SYMPTOMS_MAX_LENGTH
from ..selectors import walk_in_pet_search
from ..states import ORDERED_BANDS
from .pet_search import PetSearchForm, pet_label


class WalkInForm(PetSearchForm):
    """An existing customer's pet (`pet`, found by `q`), or a new customer and
    pet; the reason and the band. The service checks which one was given."""

    customer_name = forms.CharField(
        label=_("Customer's name"), required=False, max_length=60
    )
    customer_phone = forms.CharField(label=_("Phone"), required=False, max_length=24)
    customer_email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        help_text=_(
            "Read it back to the customer. They get an e-mail inviting them "
            "to claim the account, with a claim code you hand them (shown "
            "after registering)."
        ),
    )
    customer_language = forms.ChoiceField(
        label=_("Language for e-mails"),
        choices=settings.LANGUAGES,
        required=False,
    )
    pet_name = forms.CharField(label=_("Pet's name"), required=False, max_length=50)
    pet_species = forms.ChoiceField(
        label=_("Species"),
        required=False,
        choices=[("", "—"), *Species.choices],
    )
    reason = forms.CharField(
        label=_("Reason for the visit"),
        max_length=SYMPTOMS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 40}),
    )
    visit_type = VisitTypeField(online_only=False)
    triage = forms.ChoiceField(
        label=_("Band"),
        choices=[(band, band.label) for band in ORDERED_BANDS],
        widget=forms.RadioSelect,
        help_text=_("An emergency goes to the top of the emergency band."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pet"].required = False  # or a new customer and pet
        # The desk's own language is the likeliest guess.
        self.fields["customer_language"].initial = translation.get_language()
        # admin-walk-in.js: where to search, and which list to fill.
        self.fields["q"].widget.attrs.update(
            {
                "data-walk-in-search": reverse("admin:reservations_walk_in_search"),
                "autocomplete": "off",
                "type": "search",
            }
        )
        self.fields["pet"].widget.attrs["data-walk-in-pets"] = ""

    def offer(self, pets):
        """List `pets` in the pet field (and the one chosen, if any)."""
        self.offer_pets(pets)

    def registration(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("q")
        return data


class WalkInPagesMixin:
    """Added to ReservationAdmin: the walk-in page and its search."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("walk-in/", view(self.walk_in_view), name="reservations_walk_in"),
            path(
                "walk-in/search/",
                view(require_GET(self.walk_in_search_view)),
                name="reservations_walk_in_search",
            ),
            *super().get_urls(),
        ]

    def _check_walk_in_access(self, request):
        if not (
            self.has_change_permission(request) and is_hospital_staff(request.user)
        ):
            raise PermissionDenied

    def walk_in_view(self, request):
        self._check_walk_in_access(request)
        searching = request.method == "POST" and "search" in request.POST
        if searching:
            # "Find" without JavaScript: the form again, with the matches.
            form = WalkInForm(initial=request.POST.dict())
        else:
            form = WalkInForm(request.POST or None)
        if request.method == "POST" and not searching and form.is_valid():
            try:
                visit = services.walk_in_register(
                    by=request.user, **form.registration()
                )
            except ValidationError as error:
                _show_refusal(form, error)
            else:
                self.message_user(
                    request,
                    gettext("%(pet)s is checked in and in today’s queue (%(band)s).")
                    % {"pet": visit.pet.name, "band": visit.get_triage_display()},
                    messages.SUCCESS,
                )
                if visit.new_claim_code:
                    return show_claim_code_next(
                        request, visit.pet.owner_id, visit.new_claim_code
                    )
                return HttpResponseRedirect(reverse("admin:reservations_queue"))
        term = (request.POST if request.method == "POST" else request.GET).get("q", "")
        found = walk_in_pet_search(term)
        form.offer(found)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Register a walk-in"),
            "opts": self.opts,
            "form": form,
            "searched": bool(term.strip()),
            "found": len(found),
        }
        return TemplateResponse(
            request,
            "admin/reservations/reservation/walk_in.html",
            context,
            status=400 if form.is_bound and form.errors else 200,
        )

    def walk_in_search_view(self, request):
        """GET ?q=: {"results": [{"id", "label"}]}, for the form's script."""
        self._check_walk_in_access(request)
        pets = walk_in_pet_search(request.GET.get("q", ""))
        return JsonResponse(
            {"results": [{"id": pet.pk, "label": pet_label(pet)} for pet in pets]}
        )


def _show_refusal(form, error):
    """The service's refusal on the form: next to a field it names, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages_ in error.error_dict.items():
        form.add_error(field if field in form.fields else None, messages_)
