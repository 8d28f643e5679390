"""What the site's layout needs of the whole project: the generations its
navbar is kept under (core/page_parts.py)."""

from accounts.context_processors import unread_notifications_count
from consultation.context_processors import UNREAD_CONSULTATIONS
from core import page_parts
from core.user_counts import user_count_generation


def navbar(request):
    """The navbar of a signed-in user's page is kept rendered until their
    name, avatar or roles change (NAMES, USERS) or one of its counts does:
    it is the same on every page of a section, the language menu's way back
    put in for each page (page_parts.path_placeholder). Drawn each time for
    anything but a GET (none is kept for anonymous visitors: the tag)."""
    user = getattr(request, "user", None)
    if request.method != "GET" or user is None or not user.is_authenticated:
        return {"navbar_generations": None}
    return {
        "navbar_generations": [
            page_parts.NAMES,
            page_parts.USERS,
            user_count_generation(UNREAD_CONSULTATIONS),
            user_count_generation(unread_notifications_count(user.pk)),
        ]
    }
