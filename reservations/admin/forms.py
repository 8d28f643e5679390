"""Forms of the doctors' reservation pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .. import services
from ..forms import CancelForm as OwnerCancelForm
from ..models import REASON_MAX_LENGTH, Reservation, State, Triage
from ..queue import ORDERED_BANDS

# --- forms ------------------------------------------------------------------------


class VisitDecisionForm(forms.ModelForm):
    """What a doctor decides on a visit's page; saved through the services."""

    set_triage = forms.ChoiceField(label=_("Triage"), choices=Triage.choices)
    move_to = forms.ChoiceField(label=_("Move to"), required=False)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_(
            "Sent to the owner with the change of state. Required to cancel: "
            "it is the reason."
        ),
    )

    class Meta:
        model = Reservation
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        visit = self.instance
        self.fields["set_triage"].initial = visit.triage
        allowed = services.TRANSITIONS.get(visit.state, ())
        self.fields["move_to"].choices = [("", _("— no change —"))] + [
            (state, label) for state, label in State.choices if state in allowed
        ]

    def clean(self):
        data = super().clean()
        if data.get("note") and not data.get("move_to"):
            self.add_error(
                "note",
                _("A note goes with a change of state: choose one, or clear the note."),
            )
        return data


class CancelForm(OwnerCancelForm):
    """The owners' cancel form, worded for a doctor cancelling several visits."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        reason = self.fields["reason"]
        reason.label = _("Reason")
        reason.help_text = _("Each owner receives it by e-mail.")
        reason.widget.attrs.update(cols=60)


class QuickTriageForm(forms.Form):
    visit = forms.ModelChoiceField(queryset=Reservation.objects.all())
    triage = forms.ChoiceField(choices=[(band, band.label) for band in ORDERED_BANDS])


class QuickAdvanceForm(forms.Form):
    """The queue's "next step" button: the visit and the state the page showed."""

    visit = forms.ModelChoiceField(queryset=Reservation.objects.all())
    from_state = forms.ChoiceField(choices=State.choices)
