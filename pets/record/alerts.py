"""Patient alerts: set and cleared by doctors; allergies the owner wrote in
the pet's notes are offered to doctors to confirm."""

import re

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import is_doctor, load_roles

from ..models import Pet
from .alert_models import ALERT_TEXT_MAX_LENGTH, AlertKind, PatientAlert

ALERT_BY_DOCTOR_ERROR = _("Only a doctor can set or clear an alert.")

# Words that mark an allergy in an owner's notes, in both languages.
ALLERGY_WORDS = re.compile(r"allerg|过敏", re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=[.!?。！？；;\n])")
ALERTS_PERMISSION = "pets.view_patientalert"


def may_see_alerts(user) -> bool:
    """Alerts are medical: doctors see them, the front desk does not."""
    return user.has_perm(ALERTS_PERMISSION)


def alerts_shown_to(user, pet: Pet | None) -> list[PatientAlert]:
    """The pet's active alerts for a banner on a public-site page, if the
    viewer may see them; none otherwise. Customers are never staff: they
    cost no query, a doctor one for the alerts (and one for the roles and
    permissions, unless the view read them first with load_roles)."""
    if pet is None or not (user.is_active and user.is_staff):
        return []
    load_roles(user)
    if not may_see_alerts(user):
        return []
    return list(PatientAlert.objects.active().filter(pet=pet))


def active_alerts_prefetch(lookup: str = "alerts") -> Prefetch:
    """One query for the active alerts of every pet of a list; each pet gets
    them as `active_alerts`. `lookup` reaches the pets' alerts, e.g.
    "pet__alerts" from visits."""
    return Prefetch(
        lookup, queryset=PatientAlert.objects.active(), to_attr="active_alerts"
    )


def alert_set(*, pet: Pet, by: User, kind: str, text: str) -> PatientAlert:
    if not is_doctor(by):
        raise ValidationError(ALERT_BY_DOCTOR_ERROR)
    alert = PatientAlert(pet=pet, kind=kind, text=text.strip(), set_by=by)
    alert.full_clean()
    alert.save()
    return alert


def alert_clear(*, alert: PatientAlert, by: User) -> PatientAlert:
    if not is_doctor(by):
        raise ValidationError(ALERT_BY_DOCTOR_ERROR)
    if alert.cleared_at is None:
        alert.cleared_at = timezone.now()
        alert.cleared_by = by
        alert.save(update_fields=["cleared_at", "cleared_by"])
    return alert


def allergy_suggestions(pet: Pet, alerts: list[PatientAlert]) -> list[str]:
    """Sentences of the owner's notes that mention an allergy and that no
    allergy alert of the pet (active or cleared) already says."""
    known = {alert.text for alert in alerts if alert.kind == AlertKind.ALLERGY}
    sentences = (part.strip() for part in SENTENCE_END.split(pet.notes))
    return [
        sentence[:ALERT_TEXT_MAX_LENGTH]
        for sentence in sentences
        if sentence
        and ALLERGY_WORDS.search(sentence)
        and sentence[:ALERT_TEXT_MAX_LENGTH] not in known
    ]


def allergy_confirm(*, pet: Pet, by: User, text: str) -> PatientAlert:
    """A doctor confirms an allergy the owner wrote as an alert; only one of
    the notes' own sentences can be confirmed this way."""
    alerts = list(pet.alerts.all())
    if text not in allergy_suggestions(pet, alerts):
        raise ValidationError(_("This allergy is no longer in the owner's notes."))
    return alert_set(pet=pet, by=by, kind=AlertKind.ALLERGY, text=text)
