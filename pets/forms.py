from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import ImageUploadField
from core.images import IMAGE_UPLOAD_HELP

from .models import Pet, Species
from .services import PET_DETAIL_FIELDS

SPECIES_PROMPT = _("Choose a species")


class PromptSelect(forms.Select):
    """A select whose empty choice is a prompt that cannot be chosen (in place
    of Django's "---------"): shown until the owner picks one, then gone from
    what can be picked."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value in ("", None):
            option["attrs"]["disabled"] = True
        return option


class PetForm(forms.ModelForm):
    """A pet's details and an optional new photo.

    The owner is never a field: views set it from the session, so a forged
    `owner` in the POST is simply not read.
    """

    photo = ImageUploadField(
        label=_("Photo"),
        required=False,
        help_text=IMAGE_UPLOAD_HELP,
    )

    class Meta:
        model = Pet
        fields = list(PET_DETAIL_FIELDS)
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "weight_kg": forms.NumberInput(
                attrs={"step": "0.01", "min": "0.01", "max": "1000"}
            ),
            "notes": forms.Textarea(attrs={"rows": 4}),
            "species": PromptSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["species"].choices = [("", SPECIES_PROMPT), *Species.choices]
        # The browser's date picker stops at today; the model says why if not.
        self.fields["birth_date"].widget.attrs["max"] = timezone.localdate().isoformat()
