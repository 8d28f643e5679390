"""When the navbar's unread count of consultations may change for anybody
(context_processors.py caches it per user): a message, a thread or a read
mark written or deleted, or a user's groups changed (doctors see every
thread). And when a thread's kept latest messages (views.thread_detail,
core/page_parts.py) are drawn afresh: a message or a read mark of it
written or deleted (MessageQuerySet's update() says it for the messages it
changes); and its kept composer, when the thread is saved (closed, muted).
ReadMark's conditional .update() sends no signal: realtime.py's
read_broadcast, which every moved mark goes through, says so itself (its
queryset does not: the mark moves at every message and every reading, and
would read the thread's id first), and a message's author's mark moves with
the message."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from accounts.models import User
from core.page_parts import page_parts_changed
from core.user_counts import user_counts_changed

from .context_processors import UNREAD_CONSULTATIONS
from .models import Message, ReadMark, Thread, thread_generation


def unread_changed(sender=None, using=None, **kwargs):
    user_counts_changed(UNREAD_CONSULTATIONS, using=using)


def thread_shown_changed(sender, instance, using=None, **kwargs):
    page_parts_changed(thread_generation(instance.thread_id), using=using)


def thread_saved(sender, instance, using=None, **kwargs):
    # Closed or muted: the page's composer is drawn afresh (views.py).
    page_parts_changed(thread_generation(instance.pk), using=using)


def connect():
    for model in (Message, Thread, ReadMark):
        post_save.connect(unread_changed, sender=model, dispatch_uid=f"unread-{model}")
        post_delete.connect(
            unread_changed, sender=model, dispatch_uid=f"unread-del-{model}"
        )
    for model in (Message, ReadMark):
        post_save.connect(
            thread_shown_changed, sender=model, dispatch_uid=f"shown-{model}"
        )
        post_delete.connect(
            thread_shown_changed, sender=model, dispatch_uid=f"shown-del-{model}"
        )
    post_save.connect(thread_saved, sender=Thread, dispatch_uid="shown-thread")
    m2m_changed.connect(
        unread_changed, sender=User.groups.through, dispatch_uid="unread-groups"
    )
