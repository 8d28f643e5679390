from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .health_models import RefillRequest, WeightEntry
from .share_models import RECIPIENT_MAX_LENGTH, SHARE_MAX_DAYS


class WeightFormBase(forms.ModelForm):
    """A weighing: the owner's at home (WeightForm) and the doctor's in the
    dashboard (admin.WeightForm) share the fields and the date's limits."""

    class Meta:
        model = WeightEntry
        fields = ["weighed_on", "weight_kg"]
        widgets = {
            "weighed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "weight_kg": forms.NumberInput(
                attrs={"step": "0.01", "min": "0.01", "max": "1000"}
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["weighed_on"].initial = today
        self.fields["weighed_on"].widget.attrs["max"] = today.isoformat()

    def _post_clean(self):
        # The service validates the entry it builds (who, source, dates).
        pass


class WeightForm(WeightFormBase):
    """A weighing at home, by the owner."""


class RefillForm(forms.ModelForm):
    """The owner asks for more of an active medication."""

    class Meta:
        model = RefillRequest
        fields = ["urgent", "note"]
        widgets = {"note": forms.TextInput()}

    def _post_clean(self):
        pass  # the service validates


DAYS_LABEL = ngettext_lazy("%(days)d day", "%(days)d days", "days")


def share_days_choices():
    """Read each time the field is drawn, in the reader's language (a list
    built at import would hold the labels in the language of that moment)."""
    return [
        (days, DAYS_LABEL % {"days": days}) for days in range(1, SHARE_MAX_DAYS + 1)
    ]


class ShareForm(forms.Form):
    """The owner makes a read-only link to the record for another vet."""

    days = forms.TypedChoiceField(
        label=_("Valid for"),
        coerce=int,
        choices=share_days_choices,
        initial=7,
    )
    recipient = forms.CharField(
        label=_("For (optional)"),
        max_length=RECIPIENT_MAX_LENGTH,
        required=False,
        help_text=_("Who you give it to, e.g. the clinic's name."),
    )
