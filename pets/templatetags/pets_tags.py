import dataclasses
import datetime
import functools

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from core.images import image_version
from pets.record.services import care_reminders_enabled
from pets.record.visit_dose import may_record_doses
from pets.record.visit_dose import visit_dose_form as visit_dose_form_for

register = template.Library()

# Square thumbnails for lists, the medium rendition for the pet page.
PHOTO_SIZES = {
    "sm": ("pets:photo-thumbnail", 48),
    "md": ("pets:photo-thumbnail", 96),
    "lg": ("pets:photo-medium", 320),
}


@register.simple_tag
def pet_photo(pet, size="sm"):
    """The pet's photo through the access-checked view, or its initial until one.

    Built in Python, not an inclusion template: lists show it on every row
    (My pets, My visits, the changelists), where a template per row was a
    tenth of the page's time (issue 14)."""
    route, pixels = PHOTO_SIZES.get(size, PHOTO_SIZES["sm"])
    if not pet.photo_thumbnail:
        return format_html(
            '<span class="pet-photo pet-photo-{} pet-species-{}" aria-hidden="true">'
            "{}</span>",
            size,
            pet.species,
            pet.name[:1].upper(),
        )
    url = f"{reverse(route, args=[pet.pk])}?v={image_version(pet.photo_thumbnail)}"
    return format_html(
        '<img class="pet-photo pet-photo-{}" src="{}" width="{}" height="{}" '
        'alt="{}" loading="lazy">',
        size,
        url,
        pixels,
        pixels,
        pet.name,
    )


@register.simple_tag
def care_reminders_on(user):
    """Whether the user gets care reminders (for the profile's switch)."""
    return user.is_authenticated and care_reminders_enabled(owner=user)


@register.inclusion_tag("pets/record/visit_dose_form.html", takes_context=True)
def visit_dose_form(context, pet):
    """The form to record a care dose for `pet` from another page (a visit's,
    in the dashboard), for doctors; nothing for anyone else."""
    request = context["request"]
    if pet is None or not may_record_doses(request.user):
        return {"form": None}
    return {
        "form": visit_dose_form_for(pet=pet, user=request.user),
        "pet": pet,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }


@dataclasses.dataclass(frozen=True)
class PetCard:
    """What a card of My pets shows, as plain values (see pet_card)."""

    pk: int
    name: str
    species: str
    breed: str
    age: str
    photo: SafeString
    state: str | None  # of the ongoing visit, if any
    come_in_now: bool
    starts_at: datetime.datetime | None
    no_visit: str  # what the card says without one, in the page's language


@register.simple_tag
def pet_card(pet, no_visit):
    """One pet of My pets (with its ongoing visit, from with_list_details).

    Each card is rendered once and kept (issue 14), as My visits keeps its
    rows: the template reads nothing but the card's values, which with the
    language and the time zone are the key."""
    # Archived pets come without their visits (the list says "No current visit").
    visits = getattr(pet, "current_visits", None)
    visit = visits[0] if visits else None
    card = PetCard(
        pk=pet.pk,
        name=pet.name,
        species=pet.get_species_display(),
        breed=pet.breed,
        age=pet.age,
        photo=pet_photo(pet, "md"),
        state=visit.state if visit else None,
        come_in_now=bool(visit and visit.come_in_now),
        starts_at=visit.slot.starts_at if visit else None,
        no_visit=str(no_visit),
    )
    return _pet_card(get_language(), timezone.get_current_timezone_name(), card)


@functools.lru_cache(maxsize=4096)
def _pet_card(_language, _zone, card):
    return render_to_string("pets/includes/pet_card.html", {"card": card})
