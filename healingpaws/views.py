"""Project-level pages: home, terms, language switch, health."""

import asyncio
import logging
from contextlib import suppress

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from accounts.services import user_set_language
from reservations.slots import opening_hours_groups

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


def _ping_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


async def _ping_channel_layer():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "health.ping"})
    await layer.receive(channel)


async def _check(name, probe):
    try:
        await asyncio.wait_for(probe(), timeout=HEALTH_TIMEOUT_SECONDS)
    except Exception as error:  # any failure means "not healthy", with a reason
        logger.warning("health check: %s unreachable: %r", name, error)
        return f"unreachable ({type(error).__name__})"
    return "ok"


@never_cache
async def healthz(request):
    """200 when the database and the channel layer answer, 503 otherwise."""
    results = {
        "database": await _check("database", sync_to_async(_ping_database)),
        "channel_layer": await _check("channel layer", _ping_channel_layer),
    }
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **results},
        status=200 if healthy else 503,
    )
