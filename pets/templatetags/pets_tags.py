from django import template
from django.urls import reverse
from django.utils.html import format_html

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
