"""Parts of a user's pages kept rendered until what they show changes (issue 14).

My visits and My pets are read far more often than anything on them changes:
an owner reloads, comes back from a visit's page, keeps a tab open. Each part
is rendered once and kept in the shared cache under the generations
(core/generations.py) of what it shows, for the user who saw it, in the
page's language, time zone and day, and with whatever else varies it (the
page of a list); the next load of the same page asks the database nothing
for it. The apps say when a generation changes: a signal for each model the
part shows (pets/signals.py, reservations/signals.py), and the models'
querysets (PagePartsQuerySet) for their update(), which no signal tells of
(bulk_create, which only the demo and the benchmarks use, says nothing).

The pages: My visits, My pets, a visit's page, the plain booking page, a
consultation's latest messages, the dashboard's plain lists of visits, pets
and users.

The generations:
- VISITS, of every visit and its events, the slots, the opening hours, the
  clinic's rules, the visit types and the wait limits: a visit's place in
  the queue moves when any visit of its day does, a time's free places with
  any booking.
- owner_generation(owner id), of an owner's own records: pets (and their
  photos), waitlist entries.
- NAMES, of the names of users (who did what on a visit, who wrote a
  message): accounts/receivers.py.
- PETS, of every pet and its alerts, and USERS, of every account and its
  roles: the doctor dashboard's lists (core/admin_parts.py).
- the apps' own: a consultation's messages and read marks
  (consultation/signals.py).

A part is rendered with a placeholder for the CSRF token, which is put in as
the part is used: the kept HTML holds no token, and every page has its own.

The view hands the template lazy values (read when the part is rendered, see
the views), so a kept part costs one round trip to the cache. What varies a
part is bounded (a list's page as the number it names, no query string on
the booking page): a visitor cannot fill the cache with variants of a page.
"""

import functools
import hashlib

from django.db import models
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .generations import (
    NOT_KEPT,
    cached_value,
    generations_changed,
    keep_value,
    look_up_value,
)

# How long a kept part lives without a change: short, a bound on what a
# change that was never told (a process that ended while Redis was away)
# could leave, and on the memory of parts of users who left.
TIMEOUT_SECONDS = 120

VISITS = "page-part:visits"
NAMES = "page-part:names"
PETS = "page-part:pets"
USERS = "page-part:users"


@functools.cache
def path_placeholder() -> str:
    """What a part is rendered with instead of the request's path and query
    string (request_full_path: the language menu's way back), put in as the
    part is used; so that a part does not vary by the path."""
    return "path-" + salted_hmac("core.page_parts.path", "placeholder").hexdigest()


@functools.cache
def csrf_placeholder() -> str:
    """What a part is rendered with instead of the request's CSRF token, put
    in as the part is used. Derived from SECRET_KEY: the same in every
    process, and no text a user writes (a message, a pet's name) can be it."""
    return "csrf-" + salted_hmac("core.page_parts.csrf", "placeholder").hexdigest()


def current_minute() -> str:
    """Varies a part that shows what time makes of it (free times, waits
    turning red): it is drawn again from one minute to the next."""
    return timezone.now().replace(second=0, microsecond=0).isoformat()


def owner_generation(owner_id: int) -> str:
    return f"page-part:owner:{owner_id}"


def page_parts_changed(*names: str, using: str | None = None) -> None:
    """The parts kept under these generations are rendered afresh."""
    generations_changed(*names, using=using)


def owners_changed(*owner_ids: int, using: str | None = None) -> None:
    page_parts_changed(
        *(owner_generation(pk) for pk in owner_ids if pk is not None), using=using
    )


class PagePartsQuerySet(models.QuerySet):
    """A queryset whose update() draws afresh the parts kept under the
    generations of the rows it updates: no signal tells of an update
    (bulk_update goes through update() too). Every visit's by default."""

    def page_part_generations(self) -> list[str]:
        return [VISITS]

    def update(self, **kwargs):
        names = self.page_part_generations()  # before the rows change
        updated = super().update(**kwargs)
        if updated and names:
            page_parts_changed(*names, using=self.db)
        return updated


class OwnedPagePartsQuerySet(PagePartsQuerySet):
    """A PagePartsQuerySet of rows that are an owner's (their `owner` field),
    and of `also` (generations of every row, such as PETS)."""

    also: tuple[str, ...] = ()

    def page_part_generations(self) -> list[str]:
        owners = set(self.values_list("owner_id", flat=True))
        return [*self.also, *(owner_generation(pk) for pk in owners)]


def cached_part(request, *, name, generations, vary, render, csrf_token, full_path):
    """The part `name` of the user's page: kept, or `render()` (HTML with
    csrf_placeholder() where the token goes and path_placeholder() where the
    request's path does), with the request's token and path put in. When the
    view looked the part up first (kept_part), that lookup is the one used."""
    key = _key(name, request.user.pk, vary)
    looked_up = getattr(request, _LOOKED_UP, {}).get(name)
    if looked_up is None:
        html = cached_value(key, generations, render, timeout=TIMEOUT_SECONDS)
    elif looked_up[0] != key:
        # What varies the part changed since the view looked it up (its data
        # read again): drawn, and not kept, since it was read before.
        html = render()
    else:
        _key_looked_up, found, html = looked_up
        if html is NOT_KEPT:
            html = render()
            keep_value(key, generations, found, html, TIMEOUT_SECONDS)
    return _filled_in(html, csrf_token, full_path)


# {part name: (its key, the generations read, the HTML kept or NOT_KEPT)},
# on a request whose view looked its parts up before reading what they show.
_LOOKED_UP = "_page_parts_looked_up"


def kept_part(request, *, name, generations, vary) -> str | None:
    """The part of the request user's page as the cached_part tag would draw
    it if it is kept now (safe HTML), else None, nothing rendered: for a
    view that reads less when its part is kept.

    Called before the view reads anything the part shows. Whatever is read
    before its generations may predate a change whose new generation the
    part would then be kept under: a visit page's object read, a doctor's
    confirmation committed, then the part drawn with the old state and the
    new timeline and kept, until the next change (CI's visit journey). So the
    tag draws a part the view looked up under the generations read here."""
    if not generations or not request.user.is_authenticated:
        return None
    key = _key(name, request.user.pk, vary)
    found, html = look_up_value(key, generations)
    looked_up = getattr(request, _LOOKED_UP, None)
    if looked_up is None:
        looked_up = {}
        setattr(request, _LOOKED_UP, looked_up)
    looked_up[name] = (key, found, html)
    if html is NOT_KEPT:
        return None
    return mark_safe(  # noqa: S308 (drawn by the tag, the request's token and path put in)
        _filled_in(html, lambda: get_token(request), request.get_full_path)
    )


def _filled_in(html, csrf_token, full_path):
    """The part with this request's CSRF token and path put in (each
    function called only when the part holds its placeholder)."""
    if (placeholder := csrf_placeholder()) in html:
        html = html.replace(placeholder, str(csrf_token()))
    if (placeholder := path_placeholder()) in html:
        html = html.replace(placeholder, escape(full_path()))
    return html


def _key(name, user_id, vary):
    """The part's key: its user, language, time zone and day (ages and
    dates are drawn in them), and `vary`'s values, hashed."""
    varied = "\x1f".join(
        [
            translation.get_language() or "",
            timezone.get_current_timezone_name(),
            timezone.localdate().isoformat(),
            *(str(value) for value in vary),
        ]
    )
    digest = hashlib.blake2b(varied.encode(), digest_size=16).hexdigest()
    return f"page-part:{name}:{user_id}:{digest}"
