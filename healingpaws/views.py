"""Project-level pages: home, terms, language switch, health."""

import asyncio
import errno
import logging
import sys
from contextlib import suppress
from functools import partial

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from accounts.services import user_set_language
from core.background import queue_health
from reservations.slots import opening_hours_groups

from . import layer_probe
from .middleware import OUTAGE_ERRORS, outage_response

logger = logging.getLogger("healingpaws.health")

HEALTH_TIMEOUT_SECONDS = 3


def home(request):
    return render(request, "home.html", {"opening_hours": opening_hours_groups()})


def favicon(request):
    # Resolved per request: the hashed name exists only after collectstatic.
    return redirect(static("img/favicon.svg"), permanent=True)


def terms(request):
    return render(request, "terms.html")


@require_POST
def set_language(request):
    """Django's set_language, which also keeps the choice in the user's profile."""
    response = django_set_language(request)
    # A code outside LANGUAGES fails validation; Django's view ignored it too.
    if request.user.is_authenticated:
        with suppress(ValidationError):
            user_set_language(
                user=request.user, language=request.POST.get("language", "")
            )
    return response


def server_error(request):
    """handler500: an outage met anywhere (a middleware reading the session or
    the user, not only a view) gets the 503 page; anything else is a 500.

    Django calls it in the except block that caught the error, so the error
    is sys.exc_info(). (In the same thread while the middleware chain runs
    sync, as it does: the project's own middlewares are sync-only. An async
    chain hands the error to another thread, where this would see none.)
    """
    error = sys.exc_info()[1]
    if isinstance(error, OUTAGE_ERRORS) or _disk_full(error):
        return outage_response(request, error)
    return defaults.server_error(request)


def _disk_full(error):
    """A full disk met while Django spools an upload to a temporary file (the
    CSRF check reads request.POST before any view): storage is out as a
    database can be, and nothing was saved. Views storing images say it in
    the form instead (core.images.store_images)."""
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)


def _ping_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        # Its own thread (see healthz): give the connection back to the pool.
        connection.close()


def _read_queue(into):
    """core.background.queue_health(), kept in `into` for the answer."""
    try:
        into["health"] = queue_health()
    finally:
        connection.close()  # as in _ping_database


async def _ping_channel_layer():
    await layer_probe.ping(get_channel_layer())


# Probes still running after their timeout: kept referenced until they end.
_abandoned_probes = set()


def _forget(task):
    _abandoned_probes.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved, so that asyncio does not log it


async def _check(name, probe):
    task = asyncio.ensure_future(probe())
    try:
        # Shielded: a database probe runs in a thread, which cannot be
        # cancelled, and sync_to_async waits for it on cancellation, so the
        # timeout would wait for the pool's own (the answer took 10 s). The
        # probe is cancelled without waiting, and left to finish on its own.
        await asyncio.wait_for(asyncio.shield(task), timeout=HEALTH_TIMEOUT_SECONDS)
    except Exception as error:  # any failure means "not healthy", with a reason
        if not task.done():
            # Stops a coroutine probe now; a thread's ends when the thread does.
            task.cancel()
            _abandoned_probes.add(task)
            task.add_done_callback(_forget)
        logger.warning("health check: %s unreachable: %r", name, error)
        return f"unreachable ({type(error).__name__})"
    return "ok"


@never_cache
async def healthz(request):
    """200 when the database and the channel layer answer and the task queue
    keeps up, 503 otherwise. The queue's figures come with the database only:
    during an outage the answer keeps its shape without them."""
    results = {
        # Not thread-sensitive: a probe still waiting for the database after
        # the timeout must not hold up the end of this request.
        "database": await _check(
            "database", sync_to_async(_ping_database, thread_sensitive=False)
        ),
        "channel_layer": await _check("channel layer", _ping_channel_layer),
    }
    healthy = all(value == "ok" for value in results.values())
    if results["database"] == "ok":
        queue = {}
        status = await _check(
            "task queue",
            sync_to_async(partial(_read_queue, queue), thread_sensitive=False),
        )
        if health := queue.get("health"):
            results["tasks"] = {
                "oldest_ready_seconds": int(health.oldest_ready_seconds),
                "failed": health.failed,
            }
            if health.lagging:
                # No worker runs, or too few for the work.
                logger.warning("health check: the task queue lags behind")
                status = "lagging"
        else:
            results["tasks"] = status
        healthy = healthy and status == "ok"
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **results},
        status=200 if healthy else 503,
    )
