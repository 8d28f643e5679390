"""The record section of the pet's page: tabs, each read only when shown.

Tabs are plain links (?record=<tab>#record): they work without JavaScript
and each page reads only the shown tab's rows, in a fixed number of queries
whatever their number.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .forms import WeightForm
from .models import CareItem


@dataclass(frozen=True)
class Tab:
    slug: str
    label: str


TIMELINE = "timeline"
CARE = "care"
WEIGHT = "weight"
TABS = [
    Tab(TIMELINE, _("Timeline")),
    Tab(CARE, _("Vaccinations and care")),
    Tab(WEIGHT, _("Weight")),
]


@dataclass(frozen=True)
class CareRow:
    item: CareItem
    dose: object  # the latest CareDose, or None: never given
    status: str


def chosen_tab(value: str | None) -> str:
    slugs = [tab.slug for tab in TABS]
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


def record_context(pet, *, tab: str, is_owner: bool) -> dict:
    context = {"record_tabs": TABS, "record_tab": tab}
    if tab == CARE:
        context.update(care_context(pet))
    elif tab == WEIGHT:
        context.update(weight_context(pet, is_owner=is_owner))
    return context
