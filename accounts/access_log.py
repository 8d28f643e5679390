"""Who from the hospital opened which customer's pet, visit, consultation or
record document: when, from where (address, browser) and how (the site, the
dashboard, the API; a page of its own or a row of a list).

Views call `access_record(request, objects)`; the rows wait on the request
and AccessLogMiddleware writes them with one INSERT (no transaction around
it: bulk_insert.py) once the response is made, so a list of 50 visits costs
the page one query, as a list of one does (SQLite takes 999 parameters a
query: 90 rows per INSERT there). Called without a request (integration
keys, workers), the rows are written at once, also with one INSERT.

A page of REDRAWN_VIEWS redrawing itself after a push (live-regions.js sends
X-Live-Refresh) logs only what the same person, session and address was not
logged seeing the same way within REDRAW_WINDOW (noted in the shared cache):
an open queue would otherwise log its whole day at every push. Elsewhere the
header (any client can send it) changes nothing, and it never hides a first
look: what the cache does not hold is logged, without the cache everything.

Customers opening their own things leave no row: only staff accounts
(is_staff, superusers) and non-user actors (an integration key) are logged.
Rows are kept ACCESS_LOG_RETENTION_DAYS (default 730), then pruned daily.

accounts names no higher app: the kinds below name their models by label
(strings), and their owners by attribute path, without importing them.
"""

import datetime
import hashlib
import logging
from collections import defaultdict

from allauth.account.adapter import get_adapter
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_tasks import task

from .bulk_insert import insert_rows

logger = logging.getLogger("healingpaws.access_log")


class AccessKind(models.TextChoices):
    PET = "pet", _("pet")
    VISIT = "visit", _("visit")
    THREAD = "thread", _("consultation")
    DOCUMENT = "document", _("record document")


class AccessView(models.TextChoices):
    PAGE = "page", pgettext_lazy("record access", "opened")
    LIST = "list", pgettext_lazy("record access", "seen in a list")


class AccessChannel(models.TextChoices):
    SITE = "site", _("site")
    ADMIN = "admin", _("dashboard")
    API = "api", _("API")


# Model label -> (kind, attribute path to the customer's id).
KINDS = {
    "pets.pet": (AccessKind.PET, ("owner_id",)),
    "reservations.reservation": (AccessKind.VISIT, ("pet", "owner_id")),
    "consultation.thread": (AccessKind.THREAD, ("customer_id",)),
    "pets.petdocument": (AccessKind.DOCUMENT, ("pet", "owner_id")),
}
MODEL_OF_KIND = {kind: label for label, (kind, _path) in KINDS.items()}

REDRAW_WINDOW = datetime.timedelta(hours=1)
LIVE_REFRESH_HEADER = "X-Live-Refresh"  # as accounts.sessions
# (URL name, how) of what a page redrawing itself may leave out: only the
# pages live-regions.js redraws for staff.
# (The Today panel is the dashboard's index; a pet's page has its record.)
REDRAWN_VIEWS = {
    ("admin:reservations_queue", "list"), ("admin:index", "list"),
    ("pets:detail", "page"),
}  # fmt: skip

USER_AGENT_LENGTH = 200
PATH_LENGTH = 200


class AccessLogQuerySet(models.QuerySet):
    def for_customer(self, user):
        return self.filter(customer=user)

    def older_than(self, cutoff):
        return self.filter(at__lt=cutoff)


class AccessLog(models.Model):
    """One opening of one customer's object by someone from the hospital."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # Staff accounts are deactivated, not deleted; SET_NULL all the same, so
    # that the log outlives whatever happens to an account.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Who by name: an integration key's (no account), or the staff member's
    # as it was when the row was written, so that the row still says who
    # once their account is deleted.
    actor_name = models.CharField(_("name as logged"), max_length=150, blank=True)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="access_log_entries",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AccessKind.choices)
    object_id = models.PositiveBigIntegerField(_("object id"))
    view = models.CharField(_("how"), max_length=8, choices=AccessView.choices)
    channel = models.CharField(
        _("channel"), max_length=8, choices=AccessChannel.choices
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(
        _("browser"), max_length=USER_AGENT_LENGTH, blank=True
    )
    path = models.CharField(_("path"), max_length=PATH_LENGTH, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("record access")
        verbose_name_plural = _("record access log")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["customer", "-at"], name="accesslog_customer_at"),
            models.Index(fields=["actor", "-at"], name="accesslog_actor_at"),
        ]

    def __str__(self):
        return f"{self.actor_name or self.actor_id} · {self.kind} {self.object_id}"

    @property
    def actor_display(self) -> str:
        return self.actor.name if self.actor_id else self.actor_name


# --- recording --------------------------------------------------------------------

PENDING_ATTRIBUTE = "_access_log_pending"


def is_logged_actor(user) -> bool:
    """Staff accounts are logged; customers (and visitors) never. No query."""
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_staff or user.is_superuser)
    )


def access_record(
    request_or_actor,
    objects,
    *,
    channel: str | None = None,
    view: str = AccessView.PAGE,
    request: HttpRequest | None = None,
    once_within_window: bool = False,
) -> None:
    """Log that someone opened `objects` (pets, visits, threads, documents).

    - `access_record(request, [pet])`: the request's user, if staff; the rows
      are written by AccessLogMiddleware after the response (one INSERT).
    - `access_record(key, visits, channel="api", request=request)`: a
      non-user actor (an integration key: str(key) is its name), always
      logged; the request (optional) gives the address and browser, and
      its rows wait for the middleware too.
    - `access_record(user, objects, channel=...)`: a staff account outside
      a request (a worker).
    `view=AccessView.LIST` for the rows of a list. `channel` defaults to the
    request's: the dashboard, the API, else the site. `once_within_window`:
    as a redraw, always (an endpoint a page pages through).
    """
    if isinstance(request_or_actor, HttpRequest) or hasattr(
        request_or_actor,
        "_request",  # a DRF Request
    ):
        request = request_or_actor
        actor = getattr(_http_request(request), "user", None)
    else:
        actor = request_or_actor
    request = _http_request(request)
    if _is_account(actor):
        if not is_logged_actor(actor):
            return
        # The name too: the row says who even once the account is deleted.
        who = {"actor": actor, "actor_name": actor.name[:150]}
    else:
        who = {"actor_name": str(actor)[:150]}
    rows = _rows(
        _customer_ids(objects),
        actor_pk=getattr(actor, "pk", None) if "actor" in who else None,
        fields={**who, **_where(request, channel), "view": view},
    )
    _write(rows, request, once_within_window)


def _write(rows, request, once_within_window=False):
    rows = _not_seen_lately(rows, request, once_within_window) if rows else []
    if not rows:
        return
    pending = getattr(request, PENDING_ATTRIBUTE, None)
    if pending is None:  # no request, or one the middleware does not see
        insert_rows(AccessLog, rows)
    else:
        pending.extend(rows)


def _not_seen_lately(rows, request, once_within_window):
    """The rows to write: on a redraw, those not noted within the window;
    every row written is noted."""
    keys = {_seen_key(row, request): row for row in rows}
    try:
        if once_within_window or _is_redraw(request, rows[0].view):
            seen = cache.get_many(list(keys))
            keys = {key: row for key, row in keys.items() if key not in seen}
        cache.set_many(dict.fromkeys(keys, 1), timeout=REDRAW_WINDOW.total_seconds())
    except Exception:
        logger.warning("access log: redraws not noted", exc_info=True)
    return list(keys.values())


def _is_redraw(request, view) -> bool:
    if request is None or not request.headers.get(LIVE_REFRESH_HEADER):
        return False
    match = getattr(request, "resolver_match", None)
    return match is not None and (match.view_name, view) in REDRAWN_VIEWS


def _seen_key(row, request) -> str:
    # An account and a key are told apart (user 12 is not the key named
    # "12"); a look from another device or address is another look.
    # Hashed: a key's name may hold anything (the cache wants no spaces).
    who = f"u:{row.actor_id}" if row.actor_id else f"k:{row.actor_name}"
    session = getattr(request, "session", None)
    where = f"{getattr(session, 'session_key', None)}|{row.ip}"
    what = f"{who}|{where}|{row.kind}|{row.object_id}|{row.view}|{row.channel}"
    return "accesslog:" + hashlib.sha256(what.encode()).hexdigest()[:32]


def _is_account(actor) -> bool:
    # AnonymousUser too: it is nobody to log.
    return actor is None or hasattr(actor, "is_authenticated")


def _http_request(request):
    return getattr(request, "_request", request)


def _rows(customers, *, actor_pk, fields):
    """A row per object of `customers` ({(label, pk): customer id}, each
    object once however often a page shows it)."""
    now = timezone.now()
    rows = []
    for (label, pk), customer_id in customers.items():
        # A doctor opening their own pet is a customer doing so.
        if customer_id is None or customer_id == actor_pk:
            continue
        rows.append(
            AccessLog(
                at=now,
                customer_id=customer_id,
                kind=KINDS[label][0],
                object_id=pk,
                **fields,
            )
        )
    return rows


def _customer_ids(objects) -> dict:
    """{(model label, pk): customer id}, in the objects' order: from their
    loaded relations (select_related), else one query per model for those
    not loaded."""
    objects = [obj for obj in objects if obj is not None]
    found, missing = {}, defaultdict(list)
    for obj in objects:
        label = obj._meta.label_lower
        if label not in KINDS:
            raise ValueError(f"{label} is not a kind of the access log")
        value = _walk(obj, KINDS[label][1], fetch=len(objects) == 1)
        if value is _MISSING:
            missing[label].append(obj.pk)
        else:
            found[(label, obj.pk)] = value
    for label, pks in missing.items():
        lookup = "__".join(KINDS[label][1]).removesuffix("_id")
        model = apps.get_model(label)
        for pk, customer_id in model._base_manager.filter(pk__in=pks).values_list(
            "pk", lookup
        ):
            found[(label, pk)] = customer_id
    keys = ((obj._meta.label_lower, obj.pk) for obj in objects)
    return {key: found[key] for key in keys if key in found}


_MISSING = object()


def _walk(obj, path, *, fetch):
    """Follow `path` (relations, then an id): a relation not loaded yet is
    loaded for a single object (its page shows it anyway), left to the
    grouped query for a list."""
    for name in path[:-1]:
        field = obj._meta.get_field(name)
        if not fetch and not field.is_cached(obj):
            return _MISSING
        obj = getattr(obj, name)
        if obj is None:
            return None
    return getattr(obj, path[-1])


def _where(request, channel):
    if request is None:
        return {"channel": channel or AccessChannel.API}
    return {
        "channel": channel or _channel(request),
        "ip": get_adapter().get_client_ip(request) or None,
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH],
        "path": request.path[:PATH_LENGTH],
    }


def _channel(request):
    match = getattr(request, "resolver_match", None)
    namespaces = match.namespaces if match is not None else []
    if "admin" in namespaces:
        return AccessChannel.ADMIN
    if "api" in namespaces:
        return AccessChannel.API
    return AccessChannel.SITE


def access_log_export(user) -> list[dict]:
    """A customer's rows for their data export: who and when, as their page
    shows them (no address or browser: those are the staff member's)."""
    return [
        {
            "at": entry.at.isoformat(),
            "by": entry.actor_display,
            "kind": entry.kind,
            "object_id": entry.object_id,
            "how": entry.view,
            "channel": entry.channel,
        }
        for entry in AccessLog.objects.for_customer(user).select_related("actor")
    ]


class AccessLogMiddleware:
    """Writes the rows a request's views recorded, in one INSERT, once the
    response is made (whatever it is: the objects were read)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        pending = []
        setattr(request, PENDING_ATTRIBUTE, pending)
        response = self.get_response(request)
        if pending:
            insert_rows(AccessLog, pending)
            pending.clear()
        return response


class AccessLoggedDetailMixin:
    """For a site DetailView of a pet, visit or thread: its object is logged
    when opened by staff."""

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        access_record(self.request, [obj])
        return obj


@task()
def access_log_prune() -> int:
    """Forget rows older than ACCESS_LOG_RETENTION_DAYS (a daily job)."""
    cutoff = timezone.now() - datetime.timedelta(
        days=settings.ACCESS_LOG_RETENTION_DAYS
    )
    deleted, _by_model = AccessLog.objects.older_than(cutoff).delete()
    return deleted
