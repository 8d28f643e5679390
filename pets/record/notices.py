"""Telling owners about their pet's record: notifications in the bell, worded
here and registered with accounts (PetsConfig.ready), pushed live (the toast).

Each push carries the pet's id ("pet"), and the pet page marks its record
section as the live region "pet-<id>-record", so that live.js can redraw it
in place once its regionsFor() matches that name too (a one-line change in
static/js/live.js, which is not pets' file). Until then the owner gets the
toast live and sees the record on the next load.
"""

import logging

from django.utils import translation
from django.utils.translation import gettext

from accounts.notifications import notification_kind_register, notification_send
from core.realtime import push_merged_after_commit

DOSE_RECORDED = "care_dose"
REMINDER = "care_reminder"
PRESCRIBED = "prescription"
REFILL_DECIDED = "refill_decided"

MEDICATIONS_TAB = "?record=medications#record"

# Doctors hear of refill requests on their dashboard (the Today panel counts
# those waiting), not in the bell: one notification per request and doctor
# would bury the rest. The group is reservations.realtime's
# DOCTORS_DASHBOARD_GROUP (pets does not import reservations; a test keeps
# the two equal); DashboardConsumer passes "dashboard.changed" on.
DOCTORS_DASHBOARD_GROUP = "dashboard-doctors"
REFILL_REASON = "refill"

logger = logging.getLogger("healingpaws.pets")


def refills_changed() -> None:
    """After the commit, doctors' open dashboards re-read the refill count:
    one push per transaction (a bulk approval too)."""
    push_merged_after_commit(
        DOCTORS_DASHBOARD_GROUP,
        "dashboard.changed",
        reasons=[REFILL_REASON],
        days=[],
        label=lambda event: "dashboard push (refill)",
        log=logger,
    )


def dose_recorded(dose) -> None:
    pet = dose.pet
    notification_send(
        recipient=pet.owner,
        kind=DOSE_RECORDED,
        url=pet.get_absolute_url() + "?record=care#record",
        pet=pet.name,
        pet_id=pet.pk,
        item=dose.item.name,
        item_zh_hans=dose.item.name_zh_hans,
    )


def prescribed(prescription) -> None:
    pet = prescription.pet
    notification_send(
        recipient=pet.owner,
        kind=PRESCRIBED,
        url=pet.get_absolute_url() + MEDICATIONS_TAB,
        pet=pet.name,
        pet_id=pet.pk,
        drug=prescription.drug,
    )


def refill_decided(refill) -> None:
    pet = refill.prescription.pet
    notification_send(
        recipient=pet.owner,
        kind=REFILL_DECIDED,
        url=pet.get_absolute_url() + MEDICATIONS_TAB,
        pet=pet.name,
        pet_id=pet.pk,
        drug=refill.prescription.drug,
        approved=refill.status == "approved",
    )


def _prescribed_text(params):
    return gettext("New prescription for %(pet)s: %(drug)s.") % params


def _refill_text(params):
    if params.get("approved"):
        text = gettext(
            "Refill of %(drug)s for %(pet)s approved: collect it at the hospital."
        )
    else:
        text = gettext("Refill of %(drug)s for %(pet)s declined: please ask a doctor.")
    return text % params


def _item_name(params):
    if params.get("item_zh_hans") and translation.get_language() == "zh-hans":
        return params["item_zh_hans"]
    return params.get("item", "")


def _dose_text(params):
    return gettext("%(item)s recorded for %(pet)s.") % {
        "item": _item_name(params),
        "pet": params.get("pet", ""),
    }


def _reminder_text(params):
    return gettext("Preventive care is due for %(pets)s.") % {
        "pets": ", ".join(params.get("pets", [])),
    }


def _pet_payload(params):
    return {"pet": params.get("pet_id")}


def register() -> None:
    notification_kind_register(
        DOSE_RECORDED, text=_dose_text, payload=_pet_payload, icon="bi-shield-check"
    )
    notification_kind_register(
        REMINDER, text=_reminder_text, payload=_pet_payload, icon="bi-calendar-check"
    )
    notification_kind_register(
        PRESCRIBED, text=_prescribed_text, payload=_pet_payload, icon="bi-capsule"
    )
    notification_kind_register(
        REFILL_DECIDED, text=_refill_text, payload=_pet_payload, icon="bi-capsule"
    )
