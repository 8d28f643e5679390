from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.forms import QuickSelect, RequiredSelect
from pets.models import Pet

from .models import (
    REASON_MAX_LENGTH,
    RED_FLAG_FIELDS,
    SYMPTOMS_MAX_LENGTH,
    Reservation,
    VisitType,
)
from .services import (
    CANCEL_REASON_REQUIRED_ERROR,
    PET_HAS_ONGOING_VISIT_ERROR,
    PET_NOT_BOOKABLE_ERROR,
    SLOT_UNAVAILABLE_ERROR,
    VISIT_TYPE_NOT_ONLINE_ERROR,
    reservation_version,
)
from .slots import is_within_calendar

CHOOSE_TIME_ERROR = _("Choose a time for the visit.")
CHOOSE_TYPE_ERROR = _("Choose one of the types of visit offered.")


class VisitTypeField(forms.ModelChoiceField):
    """A visit type among the active ones, by name and length. `online_only`
    refuses, with a clear error, one that only the hospital's staff book."""

    def __init__(self, *, online_only, **kwargs):
        self.online_only = online_only
        kwargs.setdefault("label", _("Type of visit"))
        kwargs.setdefault("required", False)  # none: the default type
        kwargs.setdefault("widget", QuickSelect)
        super().__init__(
            queryset=VisitType.objects.active(),
            empty_label=None,
            error_messages={"invalid_choice": CHOOSE_TYPE_ERROR},
            **kwargs,
        )

    def label_from_instance(self, obj):
        return obj.label

    def offer(self, visit_types):
        """Show only these (still accepting any active one, so that a type
        only the staff book, posted anyway, gets its own clear error)."""
        self.offered = list(visit_types)
        self.widget.choices = [(t.pk, t.label) for t in self.offered]

    def clean(self, value):
        visit_type = super().clean(value)
        if visit_type is not None and self.online_only and not visit_type.online:
            raise ValidationError(
                VISIT_TYPE_NOT_ONLINE_ERROR,
                code="visit_type",
                params={"type": visit_type.label},
            )
        return visit_type


def ongoing_visit_error(pet: Pet | None) -> str:
    """PET_HAS_ONGOING_VISIT_ERROR with a link to that visit, which the owner
    can change or follow instead (the pet's name escaped like any text)."""
    visit = Reservation.objects.ongoing().filter(pet=pet).first() if pet else None
    if visit is None:
        return PET_HAS_ONGOING_VISIT_ERROR
    return format_html(
        '{} <a href="{}" class="alert-link" data-testid="ongoing-visit">{}</a>',
        PET_HAS_ONGOING_VISIT_ERROR,
        visit.get_absolute_url(),
        gettext("Open %(pet)s's visit") % {"pet": pet.name},
    )


class BoundedDateTimeField(forms.DateTimeField):
    """A DateTimeField that refuses moments at the ends of the calendar.

    `9999-12-31T23:59:59+00:00` parses, and then overflows (a 500) wherever it
    is turned into local time; such a time is an "out_of_range" error instead.
    """

    default_error_messages = {
        "out_of_range": _("Enter a date between the years 2000 and 2999."),
    }

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is not None and not is_within_calendar(moment):
            raise ValidationError(
                self.error_messages["out_of_range"], code="out_of_range"
            )
        return moment


class ReservationForm(forms.Form):
    """Book a visit (with `owner`) or change one (with `reservation`).

    The page offers the free times of one day; the chosen one comes back as
    `starts_at`, and only the booking service decides whether it is still
    free, so a time taken meanwhile gets "slot taken", not a form error.
    """

    pet = forms.ModelChoiceField(
        label=_("Pet"),
        queryset=Pet.objects.none(),
        empty_label=None,
        widget=RequiredSelect,  # the pets are read once, not twice
        error_messages={"invalid_choice": PET_NOT_BOOKABLE_ERROR},
    )
    visit_type = VisitTypeField(online_only=True)
    starts_at = BoundedDateTimeField(
        label=_("Time"),
        error_messages={
            "required": CHOOSE_TIME_ERROR,
            "invalid": CHOOSE_TIME_ERROR,
            "out_of_range": SLOT_UNAVAILABLE_ERROR,
        },
    )
    symptoms = forms.CharField(
        label=_("Symptoms"),
        max_length=SYMPTOMS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=Reservation._meta.get_field("symptoms").help_text,
    )
    breathing_trouble = forms.BooleanField(
        label=_("Is your pet having trouble breathing?"), required=False
    )
    heavy_bleeding = forms.BooleanField(
        label=_("Is your pet bleeding heavily?"), required=False
    )
    collapse_or_seizure = forms.BooleanField(
        label=_("Has your pet collapsed or had a seizure?"), required=False
    )
    # The visit as the page showed it (services.reservation_version): a change
    # made meanwhile is refused instead of overwritten.
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, owner=None, reservation=None, **kwargs):
        self.reservation = reservation
        if reservation is not None:
            # A redrawn page (new day, same form) posts its values as initial.
            kwargs["initial"] = {
                **_initial_for(reservation),
                **(kwargs.get("initial") or {}),
            }
        super().__init__(*args, **kwargs)
        if reservation is not None:
            # A visit keeps its type (and the slots it takes) when it moves.
            del self.fields["pet"]
            del self.fields["visit_type"]
        else:
            self.fields["visit_type"].offer(VisitType.objects.online())
            self.fields["pet"].queryset = Pet.objects.for_owner(owner).active()
            del self.fields["version"]

    @property
    def chosen_start(self):
        """The time to show as picked: the posted one, else the visit's own."""
        if self.is_bound:
            return self.data.get(self.add_prefix("starts_at"), "")
        start = self.initial.get("starts_at")
        if isinstance(start, str):  # a redrawn page's posted value
            return start
        return timezone.localtime(start).isoformat() if start else ""

    def red_flag_fields(self):
        return [self[name] for name in RED_FLAG_FIELDS]

    def booking_details(self):
        """The cleaned form as the booking services take it."""
        details = {
            name: self.cleaned_data[name]
            for name in ["starts_at", "symptoms", *RED_FLAG_FIELDS]
        }
        if "pet" in self.cleaned_data:
            details["pet"] = self.cleaned_data["pet"]
        if self.cleaned_data.get("visit_type"):
            details["visit_type"] = self.cleaned_data["visit_type"]
        if self.cleaned_data.get("version"):
            details["version"] = self.cleaned_data["version"]
        return details


def _initial_for(reservation):
    return {
        "version": reservation_version(reservation),
        "starts_at": reservation.slot.starts_at,
        "symptoms": reservation.symptoms,
        **{name: getattr(reservation, name) for name in RED_FLAG_FIELDS},
    }


class VisitCancelForm(forms.Form):
    """The owner cancels their visit, with a reason."""

    # See ReservationForm.version; absent (bulk cancel) means "as it is now".
    version = forms.CharField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Why are you cancelling?"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": CANCEL_REASON_REQUIRED_ERROR,
            "max_length": _("Keep the reason to %(limit_value)d characters or fewer."),
        },
    )
