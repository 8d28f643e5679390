"""A customer's own page of the access log: who from the hospital opened
their pets, visits, consultations and record documents, and when (names and
dates, never addresses or browsers)."""

from collections import defaultdict

from django.apps import apps
from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import ListView

from .access_log import MODEL_OF_KIND, AccessKind, AccessLog

# What each kind's label needs loaded with it (one query per kind on a page).
LABEL_RELATIONS = {
    AccessKind.PET: [],
    AccessKind.VISIT: ["pet", "slot"],
    AccessKind.THREAD: [],
    AccessKind.DOCUMENT: ["pet"],
}


def _label(kind, obj) -> str:
    if obj is None:  # no longer there
        return "—"
    # A document's title may be one the owner is not shown (doctors'
    # own): the pet it belongs to names it.
    return str(obj.pet) if kind == AccessKind.DOCUMENT else str(obj)


def access_labels(entries) -> None:
    """Set `label` on each entry: the pet's name, the visit, the thread's
    subject; one query per kind present, whatever the number of rows."""
    wanted = defaultdict(set)
    for entry in entries:
        wanted[entry.kind].add(entry.object_id)
    found = {}
    for kind, pks in wanted.items():
        model = apps.get_model(MODEL_OF_KIND[kind])
        objects = model._base_manager.select_related(*LABEL_RELATIONS[kind])
        found[kind] = objects.in_bulk(pks)
    for entry in entries:
        entry.label = _label(entry.kind, found[entry.kind].get(entry.object_id))


class AccessLogView(LoginRequiredMixin, ListView):
    """The signed-in customer's own rows only: nobody else's can be asked for."""

    template_name = "accounts/access_log.html"
    context_object_name = "entries"
    paginate_by = 30

    def get_queryset(self):
        return AccessLog.objects.for_customer(self.request.user).select_related("actor")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["entries"] = list(context["entries"])
        access_labels(context["entries"])
        return context
