"""Background work in the admin, for operators (superusers) only: the failed
deliveries to retry or discard, and django-tasks-db's read-only list of every
task (history included). Doctors and translators never see either."""

import django_tasks_db.admin  # registers DBTaskResultAdmin, replaced below
from django.contrib import admin, messages
from django.db import transaction
from django.template.defaultfilters import truncatechars
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from . import background
from .admin_views import ReadOnlyAdminMixin
from .models import FailedDelivery

# Keyword arguments that say whom or what a task was for, most telling first.
RECIPIENT_KEYS = ("to", "recipient_list", "recipients", "recipient", "email")
ABOUT_MAX_CHARS = 80


class OperatorsOnly:
    """Superusers only: no sidebar entry for anybody else, 403 on the URLs."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)


def task_words(task_path: str) -> str:
    """ "reservations.tasks.send_visit_email" -> "Send visit email"."""
    return capfirst(task_path.rsplit(".", 1)[-1].replace("_", " "))


def task_about(args_kwargs: dict) -> str:
    """Whom or what a task was for, as far as its arguments tell: the
    recipients of an e-mail (and its subject), else the arguments themselves
    (shortened)."""
    args = args_kwargs.get("args", [])
    kwargs = {
        key: value
        for key, value in args_kwargs.get("kwargs", {}).items()
        if key != "attempt_number"
    }
    # An e-mail may travel as keyword arguments or as one dict of them.
    for mapping in [kwargs, *(arg for arg in args if isinstance(arg, dict))]:
        for key in RECIPIENT_KEYS:
            if mapping.get(key):
                value = mapping[key]
                recipients = value if isinstance(value, list) else [value]
                about = ", ".join(map(str, recipients))
                if mapping.get("subject"):
                    about += f" — {mapping['subject']}"
                return truncatechars(about, ABOUT_MAX_CHARS)
    shown = [str(arg) for arg in args]
    shown += [f"{key}={value}" for key, value in kwargs.items()]
    return truncatechars(", ".join(shown), ABOUT_MAX_CHARS)


def error_line(traceback: str) -> str:
    """The last line of a traceback: the exception and its message."""
    lines = [line for line in traceback.splitlines() if line.strip()]
    return lines[-1] if lines else ""


@admin.register(FailedDelivery)
class FailedDeliveryAdmin(OperatorsOnly, ReadOnlyAdminMixin, admin.ModelAdmin):
    # Discarding is the "discard" action, which says what it did.
    list_display = ("task", "about", "error", "attempts", "finished_at")
    list_display_links = ("task",)  # a read-only page with the traceback
    actions = ["retry", "discard"]
    fields = ("task", "about", "attempts", "finished_at", "task_path", "trace")
    readonly_fields = fields

    def get_queryset(self, request):
        return FailedDelivery.objects.filter(
            pk__in=background.failed_tasks().values("pk")
        )

    @admin.display(description=_("task"))
    def task(self, obj):
        return task_words(obj.task_path)

    @admin.display(description=pgettext_lazy("failed delivery", "for"))
    def about(self, obj):
        return task_about(obj.args_kwargs)

    @admin.display(description=_("error"))
    def error(self, obj):
        return error_line(obj.traceback)

    @admin.display(description=_("attempts"))
    def attempts(self, obj):
        return obj.args_kwargs.get("kwargs", {}).get("attempt_number", 1)

    @admin.display(description=_("traceback"))
    def trace(self, obj):
        return obj.traceback

    @admin.action(description=_("Retry the selected deliveries"))
    def retry(self, request, queryset):
        retried = 0
        with transaction.atomic():
            # Locked: two operators retrying at once enqueue each task once.
            for row in queryset.select_for_update():
                try:
                    background.failed_task_retry(row=row)
                except ImportError:
                    self.message_user(
                        request,
                        gettext(
                            "The task %(task)s no longer exists; discard it instead."
                        )
                        % {"task": row.task_path},
                        messages.ERROR,
                    )
                else:
                    retried += 1
        if retried:
            self.message_user(
                request,
                ngettext(
                    "%(count)d delivery is in the queue again.",
                    "%(count)d deliveries are in the queue again.",
                    retried,
                )
                % {"count": retried},
                messages.SUCCESS,
            )

    @admin.action(description=_("Discard the selected deliveries"))
    def discard(self, request, queryset):
        discarded, _by_model = queryset.delete()
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery discarded.",
                "%(count)d deliveries discarded.",
                discarded,
            )
            % {"count": discarded},
            messages.SUCCESS,
        )


# django-tasks-db's list of every task (retried attempts and successes too),
# kept for operators and closed to doctors, whatever their permissions say.
admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(OperatorsOnly, django_tasks_db.admin.DBTaskResultAdmin):
    pass


# Integration keys and webhooks: their own module.
from . import integrations_admin  # noqa: E402, F401
