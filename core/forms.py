from django import forms
from django.conf import settings

from .images import ALLOWED_CONTENT_TYPES, validate_image


class ImageUploadField(forms.FileField):
    """A file field that lets through only what core.images accepts.

    The browser gets the same limits (accept, data-max-bytes) for an immediate
    message; the server checks the header here and decodes the image in the
    service (or here too, with decode=True).
    """

    def __init__(self, *, decode=False, **kwargs):
        self.decode = decode
        kwargs.setdefault(
            "widget",
            forms.ClearableFileInput(
                attrs={
                    "accept": ",".join(ALLOWED_CONTENT_TYPES),
                    "data-max-bytes": settings.IMAGE_UPLOAD_MAX_BYTES,
                }
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is not None:
            validate_image(upload, decode=self.decode)
        return upload


def id_from(value) -> int | None:
    """The database id a request's value names, or None: ASCII digits only
    ("²" is a digit to str.isdigit() and not to int()) and within a bigint,
    so a crafted value is "no such object", never a 500."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    number = int(text)
    return number if number > 0 else None


class RequiredSelect(forms.Select):
    """The select of a required choice with no empty option (a
    ModelChoiceField with empty_label=None): always `required` in HTML.
    Django's Select reads the first choice to decide, which for a
    ModelChoiceField runs its queryset once more than the rendering does."""

    def use_required_attribute(self, initial):
        return not self.is_hidden
