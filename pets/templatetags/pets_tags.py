from django import template
from django.urls import reverse

from core.images import image_version
from pets.record.services import care_reminders_enabled

register = template.Library()

# Square thumbnails for lists, the medium rendition for the pet page.
PHOTO_SIZES = {
    "sm": ("pets:photo-thumbnail", 48),
    "md": ("pets:photo-thumbnail", 96),
    "lg": ("pets:photo-medium", 320),
}


@register.inclusion_tag("pets/includes/pet_photo.html")
def pet_photo(pet, size="sm"):
    """The pet's photo through the access-checked view, or its initial until one."""
    route, pixels = PHOTO_SIZES.get(size, PHOTO_SIZES["sm"])
    url = None
    if pet.photo_thumbnail:
        url = f"{reverse(route, args=[pet.pk])}?v={image_version(pet.photo_thumbnail)}"
    return {"pet": pet, "url": url, "size": size, "pixels": pixels}


@register.simple_tag
def care_reminders_on(user):
    """Whether the user gets care reminders (for the profile's switch)."""
    return user.is_authenticated and care_reminders_enabled(owner=user)
