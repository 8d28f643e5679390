from django.utils.functional import SimpleLazyObject

from core.user_counts import cached_user_count

from .models import Thread

# core.user_counts' name of the count; consultation/signals.py says when it
# changes.
UNREAD_CONSULTATIONS = "unread-consultations"


def unread_consultations(request):
    """The navbar's count of consultations with unread messages, counted only
    by pages that show it: a customer's own threads, every open one for
    doctors. Cached per user until a thread, message or read mark changes."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_consultations": SimpleLazyObject(
            lambda: cached_user_count(
                UNREAD_CONSULTATIONS, user.pk, lambda: _count(user)
            )
        )
    }


def _count(user):
    return (
        Thread.objects.visible_to(user)
        .open()
        .with_unread_count(user)
        .filter(unread_count__gt=0)
        .count()
    )
