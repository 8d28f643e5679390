from django import template
from django.urls import reverse

from accounts.sessions import device_name
from core.images import IMAGE_UPLOAD_HELP, image_version

register = template.Library()

AVATAR_SIZES = {"sm": 32, "md": 48, "lg": 96}


@register.inclusion_tag("includes/avatar.html")
def avatar(user, size="sm"):
    """The user's avatar, or generated initials until they upload one."""
    url = None
    if user.avatar_thumbnail:
        route = "accounts:avatar" if size == "lg" else "accounts:avatar-thumbnail"
        # The random file name doubles as a cache-busting version.
        url = (
            f"{reverse(route, args=[user.pk])}?v={image_version(user.avatar_thumbnail)}"
        )
    return {
        "person": user,
        "url": url,
        "size": size,
        "pixels": AVATAR_SIZES.get(size, AVATAR_SIZES["sm"]),
    }


@register.simple_tag
def image_upload_help():
    """What an upload form says of the accepted images and their size limit."""
    return IMAGE_UPLOAD_HELP


@register.filter
def bootstrap(field):
    """Render a bound field's widget with Bootstrap classes and error state."""
    widget = field.field.widget
    input_type = getattr(widget, "input_type", None)
    if input_type == "checkbox":
        css = "form-check-input"
    elif input_type == "select":
        css = "form-select"
    else:
        css = "form-control"
    attrs = {"aria-describedby": f"{field.auto_id}_feedback"}
    if field.errors:
        css += " is-invalid"
        attrs["aria-invalid"] = "true"
    existing = widget.attrs.get("class", "")
    attrs["class"] = f"{existing} {css}".strip()
    return field.as_widget(attrs=attrs)


@register.filter
def device(user_agent):
    """A signed-in session's browser, named for people: "Chrome on Android"."""
    return device_name(user_agent)
