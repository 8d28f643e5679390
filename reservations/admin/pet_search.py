"""The staff forms' search for a customer's pet (the walk-in, booking for a
customer, the waitlist for a customer): a search box, and a list of the pets
found that keeps the one chosen while the search changes (the pages redraw
without JavaScript)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import id_from
from pets.models import Pet


def pet_label(pet) -> str:
    """How a pet reads in the search: enough to tell two Rexes apart."""
    owner = pet.owner
    contact = " · ".join(part for part in (owner.phone, owner.email) if part)
    label = f"{pet.name} ({pet.get_species_display()}) — {owner.name}"
    return f"{label} · {contact}" if contact else label


class PetSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find a customer or pet"),
        required=False,
        max_length=100,
        help_text=_("Pet's name, or the owner's name, phone or e-mail."),
    )
    pet = forms.ModelChoiceField(
        label=_("Pet"),
        queryset=Pet.objects.active().select_related("owner"),
        empty_label=_("— choose a pet —"),
    )

    def offer_pets(self, pets) -> list:
        """List `pets` in the pet field, and the one chosen if the search no
        longer finds it; returns what is listed."""
        chosen = id_from(self["pet"].value())
        if chosen and all(p.pk != chosen for p in pets):
            found = Pet.objects.active().select_related("owner").filter(pk=chosen)
            pets = [*found, *pets]
        self.fields["pet"].widget.choices = [
            ("", self.fields["pet"].empty_label),
            *((pet.pk, pet_label(pet)) for pet in pets),
        ]
        return pets
