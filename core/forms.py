from django import forms
from django.conf import settings
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

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


class QuickSelect(forms.Select):
    """Django's Select, its HTML built in Python: the same markup as its
    templates (select.html, select_option.html, attrs.html) make, without a
    template render and two includes per option, which on the booking page
    (twenty pets) were a fifth of its time (issue 14). A subclass with
    templates of its own is rendered by them."""

    def render(self, name, value, attrs=None, renderer=None):
        if (
            self.template_name != forms.Select.template_name
            or self.option_template_name != forms.Select.option_template_name
        ):
            return super().render(name, value, attrs, renderer)
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_text(group_name)}">')
            for option in group_choices:
                parts.append(
                    f'\n  <option value="{conditional_escape(option["value"])}"'
                    f"{_attrs(option['attrs'])}>{_text(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every value escaped)


def _text(value):
    # What {{ value }} makes of it in a widget template.
    value = localize(value)
    return conditional_escape(value if isinstance(value, str) else str(value))


def _attrs(attrs):
    # django/forms/widgets/attrs.html
    return "".join(
        f" {_text(name)}"
        if value is True
        else f' {_text(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class RequiredSelect(QuickSelect):
    """The select of a required choice with no empty option (a
    ModelChoiceField with empty_label=None): always `required` in HTML.
    Django's Select reads the first choice to decide, which for a
    ModelChoiceField runs its queryset once more than the rendering does."""

    def use_required_attribute(self, initial):
        return not self.is_hidden
