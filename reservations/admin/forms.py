"""Forms of the doctors' reservation pages."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .. import services, states
from ..forms import VisitCancelForm
from ..models import REASON_MAX_LENGTH, Reservation
from ..states import ORDERED_BANDS, State, Triage

# --- forms ------------------------------------------------------------------------


NOTE_WITHOUT_MOVE_ERROR = _(
    "A note goes with a change of state: choose one, or clear the note."
)


FRONT_DESK_NOTE_HELP = _(
    "For the staff only: the owner neither receives nor sees it. Call them "
    "for anything they must know."
)


class VisitDecisionForm(forms.ModelForm):
    """What a doctor decides on a visit's page; saved through the services.

    The page may be older than the visit (another doctor moved it meanwhile):
    its `version` says so, and the form then answers VISIT_CHANGED_ERROR with
    the page redrawn for the visit as it is now, rather than "in_treatment is
    not one of the available choices".
    """

    set_triage = forms.ChoiceField(label=_("Triage"), choices=Triage.choices)
    move_to = forms.ChoiceField(label=_("Move to"), required=False)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_(
            "Sent to the owner with the change of state, except at check-in "
            "and no-show (kept for the staff). Required to cancel: it is the "
            "reason."
        ),
    )
    # Hidden; no label: the admin still writes one into the page.
    version = forms.CharField(label="", widget=forms.HiddenInput, required=False)

    class Meta:
        model = Reservation
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        visit = self.instance
        self.fields["version"].initial = services.reservation_version(visit)
        if "set_triage" in self.fields:
            self.fields["set_triage"].initial = visit.triage
        allowed = self.allowed_moves(visit)
        self.fields["move_to"].choices = [("", _("— no change —"))] + [
            (state, label) for state, label in State.choices if state in allowed
        ]

    def allowed_moves(self, visit):
        return states.moves_from(visit.state)

    def clean(self):
        data = super().clean()
        if self._is_stale(data):
            self._show_the_visit_as_it_is_now()
            raise ValidationError(
                services.VISIT_CHANGED_ERROR,
                code="visit_changed",
                params={"state": self.instance.get_state_display()},
            )
        if data.get("note") and not data.get("move_to"):
            self.add_error("note", NOTE_WITHOUT_MOVE_ERROR)
        return data

    def _is_stale(self, data):
        seen = data.get("version")
        if seen and seen != services.reservation_version(self.instance):
            return True
        # A page from before versions, or a state no longer on offer.
        return any(
            error.code == "invalid_choice"
            for error in self.errors.as_data().get("move_to", [])
        )

    def _show_the_visit_as_it_is_now(self):
        # The errors of the old page's choices would only mislead, and the
        # redrawn page offers the current state's moves with a fresh version
        # (the note is kept: it may still be wanted).
        for name in ("move_to", "set_triage"):
            self.errors.pop(name, None)
        self.data = self.data.copy()
        self.data[self.add_prefix("version")] = services.reservation_version(
            self.instance
        )
        self.data[self.add_prefix("move_to")] = ""
        self.data[self.add_prefix("set_triage")] = self.instance.triage


class FrontDeskDecisionForm(VisitDecisionForm):
    """The front desk's part of the decision: its own moves, no triage."""

    set_triage = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Its moves are check-in and no-show: ReservationEvent.note_for_owner.
        self.fields["note"].help_text = FRONT_DESK_NOTE_HELP

    def allowed_moves(self, visit):
        return {
            state
            for state in states.moves_from(visit.state)
            if states.is_front_desk_move(visit.state, state)
        }


class BulkCancelForm(VisitCancelForm):
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
