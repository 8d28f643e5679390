"""The record section of the pet's page: tabs, each read only when shown.

Tabs are plain links (?record=<tab>#record): they work without JavaScript
and each page reads only the shown tab's rows, in a fixed number of queries
whatever their number.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .document_models import BUNDLE_KEEP
from .forms import RefillForm, ShareForm, WeightForm
from .health_models import RefillRequest
from .models import CareItem
from .share_models import RecordShareOpen
from .timeline_entries import record_entries, with_record

# A ZIP still unbuilt after this long is not announced as coming any more.
BUNDLE_WAIT = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class Tab:
    slug: str
    label: str


TIMELINE = "timeline"
CARE = "care"
WEIGHT = "weight"
MEDICATIONS = "medications"
SHARING = "sharing"
DOCUMENTS = "documents"
TABS = [
    Tab(TIMELINE, _("Timeline")),
    Tab(CARE, _("Vaccinations and care")),
    Tab(WEIGHT, _("Weight")),
    Tab(MEDICATIONS, _("Medications")),
    Tab(DOCUMENTS, _("Documents")),
]
# Only the owner shares the record.
OWNER_TABS = [Tab(SHARING, _("Share"))]


@dataclass(frozen=True)
class CareRow:
    item: CareItem
    dose: object  # the latest CareDose, or None: never given
    status: str


def tabs_for(*, is_owner: bool) -> list[Tab]:
    return TABS + OWNER_TABS if is_owner else TABS


def chosen_tab(value: str | None, *, is_owner: bool = False) -> str:
    slugs = [tab.slug for tab in tabs_for(is_owner=is_owner)]
    return value if value in slugs else TIMELINE


def care_context(pet) -> dict:
    """Each item's latest dose and status (items of the species never given
    too), and every dose, newest first: two queries."""
    today = timezone.localdate()
    doses = list(pet.care_doses.select_related("item", "vet"))
    latest = {}
    for dose in doses:  # newest first: the first of each item counts
        latest.setdefault(dose.item_id, dose)
    rows = [CareRow(dose.item, dose, dose.status(today)) for dose in latest.values()]
    never = CareItem.objects.for_species(pet.species).exclude(pk__in=list(latest))
    rows += [CareRow(item, None, "never") for item in never]
    order = {"overdue": 0, "due_soon": 1, "never": 2, "up_to_date": 3, "done": 4}
    rows.sort(key=lambda row: (order[row.status], row.item.name))
    return {"care_rows": rows, "doses": doses, "today": today}


def weight_context(pet, *, is_owner: bool) -> dict:
    """The weighings, oldest first (the chart's order): one query."""
    context = {"weights": list(pet.weights.select_related("recorded_by"))}
    if is_owner and not pet.is_archived:
        context["weight_form"] = WeightForm()
    return context


def medications_context(pet, *, is_owner: bool) -> dict:
    """Every prescription with its refill requests, active ones apart: two
    queries."""
    today = timezone.localdate()
    prescriptions = list(
        pet.prescriptions.select_related("vet").prefetch_related(
            Prefetch("refills", RefillRequest.objects.order_by("-created_at", "-pk"))
        )
    )
    for prescription in prescriptions:
        refills = list(prescription.refills.all())
        prescription.last_refill = refills[0] if refills else None
    return {
        "active_prescriptions": [p for p in prescriptions if p.is_active(today)],
        "past_prescriptions": [p for p in prescriptions if not p.is_active(today)],
        "refill_form": RefillForm() if is_owner and not pet.is_archived else None,
    }


def documents_context(pet, *, is_owner: bool) -> dict:
    """The documents (the owner's: those shown to them), and the owner's
    ZIPs built by a worker: two queries."""
    documents = pet.documents.all()
    if not is_owner:
        return {"documents": list(documents)}
    now = timezone.now()
    return {
        "documents": list(documents.visible_to_owner()),
        "bundles": [
            bundle
            for bundle in pet.bundles.filter(created_at__gt=now - BUNDLE_KEEP)
            if bundle.built_at or bundle.created_at > now - BUNDLE_WAIT
        ],
    }


def sharing_context(pet) -> dict:
    """The pet's links, each with its openings, newest first: two queries."""
    now = timezone.now()
    shares = list(
        pet.shares.prefetch_related(
            Prefetch("opens", RecordShareOpen.objects.order_by("-opened_at", "-pk"))
        )
    )
    for share in shares:
        share.usable = share.is_usable(now)
    return {
        "shares": shares,
        "share_form": None if pet.is_archived else ShareForm(),
    }


def timeline_context(pet, *, is_owner: bool, timeline: list) -> dict:
    """The timeline with the record's entries, and the active medications
    from the same list of prescriptions: four queries."""
    today = timezone.localdate()
    prescriptions = list(pet.prescriptions.select_related("vet"))
    entries = record_entries(pet, is_owner=is_owner, prescriptions=prescriptions)
    return {
        "timeline": with_record(timeline, entries),
        "active_prescriptions": [p for p in prescriptions if p.is_active(today)],
    }


def record_context(pet, *, tab: str, is_owner: bool, timeline=None) -> dict:
    """The shown tab's rows; and the active medications, which the page shows
    above the record whatever the tab (one query, or the tab's own). The
    timeline tab adds the record's entries to `timeline`."""
    context = {"record_tabs": tabs_for(is_owner=is_owner), "record_tab": tab}
    if tab == MEDICATIONS:
        return {**context, **medications_context(pet, is_owner=is_owner)}
    if tab == TIMELINE:
        timeline = timeline_context(pet, is_owner=is_owner, timeline=timeline or [])
        return {**context, **timeline}
    today = timezone.localdate()
    context["active_prescriptions"] = list(
        pet.prescriptions.active_on(today).select_related("vet")
    )
    if tab == CARE:
        context.update(care_context(pet))
    elif tab == WEIGHT:
        context.update(weight_context(pet, is_owner=is_owner))
    elif tab == DOCUMENTS:
        context.update(documents_context(pet, is_owner=is_owner))
    elif tab == SHARING and is_owner:
        context.update(sharing_context(pet))
    return context
