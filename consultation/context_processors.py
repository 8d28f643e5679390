from django.utils.functional import SimpleLazyObject

from .models import Thread


def unread_consultations(request):
    """The navbar's count of consultations with unread messages, counted only
    by pages that show it: a customer's own threads, every open one for doctors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_consultations": SimpleLazyObject(
            lambda: (
                Thread.objects.visible_to(user)
                .open()
                .with_unread_count(user)
                .filter(unread_count__gt=0)
                .count()
            )
        )
    }
