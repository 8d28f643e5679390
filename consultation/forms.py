import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ImageUploadField
from core.images import IMAGE_UPLOAD_HELP
from pets.models import Pet

from .models import MESSAGE_MAX_LENGTH, MUTE_REASON_MAX_LENGTH, SUBJECT_MAX_LENGTH

PHOTO_HELP = IMAGE_UPLOAD_HELP


def _text_field():
    return forms.CharField(
        label=_("Message"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MESSAGE_MAX_LENGTH}),
        error_messages={
            "max_length": _("Keep the message to %(limit_value)d characters or fewer.")
        },
    )


class MessageForm(forms.Form):
    """A message in a thread: the services decide whether it may be posted."""

    text = _text_field()
    photo = ImageUploadField(label=_("Photo"), required=False, help_text=PHOTO_HELP)
    urgent = forms.BooleanField(
        label=_("Urgent"),
        required=False,
        help_text=_("Doctors see urgent messages first."),
    )


class ThreadForm(MessageForm):
    """A new thread: its subject, perhaps one of the customer's pets, and the
    first message. The customer comes from the session, never from the form."""

    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX_LENGTH)
    pet = forms.ModelChoiceField(
        label=_("About which pet?"),
        queryset=Pet.objects.none(),
        required=False,
        empty_label=_("None in particular"),
    )
    field_order = ["subject", "pet", "text", "photo", "urgent"]

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the customer's own pets are choices: another's is "not a choice".
        self.fields["pet"].queryset = Pet.objects.for_owner(customer).active()
        self.fields["subject"].widget.attrs["maxlength"] = SUBJECT_MAX_LENGTH


MUTE_DURATIONS = {
    "1h": datetime.timedelta(hours=1),
    "1d": datetime.timedelta(days=1),
    "1w": datetime.timedelta(weeks=1),
}


class MuteForm(forms.Form):
    duration = forms.ChoiceField(
        label=_("Mute for"),
        choices=[
            ("1h", _("1 hour")),
            ("1d", _("1 day")),
            ("1w", _("1 week")),
        ],
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MUTE_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("The customer reads it in the consultation."),
    )

    @property
    def delta(self):
        return MUTE_DURATIONS[self.cleaned_data["duration"]]
