"""Consultations for doctors: the list, urgent and unread first, and a thread's
page with the conversation, a reply form, mute and close.

The page works with plain POSTs through the services; the live chat will add a
socket-fed panel to the same template (templates/admin/consultation/thread/).
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.access_log_admin import AccessLoggedAdminMixin
from core.images import upload_answer, wants_json
from pets.record.alerts import may_see_alerts

from . import services
from .forms import MessageForm, MuteForm
from .models import Thread
from .views import history_before, seen_message_id

REPLY, MUTE, CLOSE = "_reply", "_mute", "_close"


@admin.register(Thread)
class ThreadAdmin(AccessLoggedAdminMixin, admin.ModelAdmin):
    list_display = [
        "subject",
        "urgent_column",
        "unread_column",
        "customer_link",
        "pet",
        "last_message_column",
        "state",
    ]
    list_filter = ["state"]
    list_select_related = ["customer", "pet"]
    # Facet counts would cost a query per filter choice.
    show_facets = admin.ShowFacets.NEVER
    search_fields = [
        "subject",
        "customer__username",
        "customer__display_name",
        "customer__email",
        "pet__name",
    ]
    fields = [
        "customer_link",
        "pet",
        "subject",
        "state",
        "closed_at",
        "muted_until",
        "mute_reason",
        "created_at",
    ]
    readonly_fields = fields
    view_on_site = False

    # --- customers open threads; nobody deletes one

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # --- the list

    def get_queryset(self, request):
        return Thread.objects.with_unread_count(request.user).in_triage_order()

    def get_ordering(self, request):
        return ["-has_urgent", "-has_unread", "-last_message_at"]

    @admin.display(description=_("urgent"))
    def urgent_column(self, thread):
        if not getattr(thread, "unread_urgent_count", 0):
            return ""
        return format_html(
            '<span class="triage-badge triage-emergency">{}</span>', gettext("Urgent")
        )

    @admin.display(description=_("unread"))
    def unread_column(self, thread):
        count = getattr(thread, "unread_count", 0)
        if not count:
            return ""
        return format_html(
            '<span class="triage-badge triage-standard">{}</span>', count
        )

    @admin.display(description=_("customer"), ordering="customer__username")
    def customer_link(self, thread):
        url = reverse("admin:accounts_user_change", args=[thread.customer_id])
        return format_html('<a href="{}">{}</a>', url, thread.customer.name)

    @admin.display(description=_("last message"), ordering="last_message_at")
    def last_message_column(self, thread):
        # Formatted here: the admin would show a read-only datetime in UTC.
        return date_format(
            timezone.localtime(thread.last_message_at), "SHORT_DATETIME_FORMAT"
        )

    # --- a thread's page: conversation, reply, mute, close

    def change_view(self, request, object_id, form_url="", extra_context=None):
        thread = self.get_object(request, unquote(object_id))
        if thread is None:
            return super().change_view(request, object_id, form_url, extra_context)
        if request.method == "POST":
            if not self.has_change_permission(request, thread):
                raise PermissionDenied
            if REPLY in request.POST and wants_json(request):
                return self._reply_with_progress(request, thread)
            self._act(request, thread)
            return HttpResponseRedirect(request.path)
        context = {
            **self._conversation(request, thread),
            # Nothing on the thread itself is edited here: no save buttons.
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
            # The pet's alerts, for doctors, when the thread is about a pet.
            "patient_alerts": (
                list(thread.pet.alerts.active())
                if thread.pet_id and may_see_alerts(request.user)
                else []
            ),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    def _conversation(self, request, thread):
        try:
            before = history_before(request)
        except ValueError:
            before = None  # a bad ?before= shows the latest messages
        history, has_more = thread.messages.history_page(before)
        if history and self.has_change_permission(request, thread):
            services.thread_mark_read(
                thread=thread, user=request.user, up_to=history[-1]
            )
        can_change = self.has_change_permission(request, thread)
        return {
            "thread": thread,
            "history": history,
            "older_than": history[0].pk if has_more else None,
            "reply_form": MessageForm()
            if can_change and not thread.is_closed
            else None,
            "mute_form": MuteForm() if can_change and not thread.is_closed else None,
            "can_close": can_change and not thread.is_closed,
            "seen_message_id": seen_message_id(thread, history, True),
        }

    def _act(self, request, thread):
        try:
            if REPLY in request.POST:
                form = MessageForm(request.POST, request.FILES)
                if self._valid(request, form):
                    services.message_post(
                        thread=thread, sender=request.user, **form.cleaned_data
                    )
                    self.message_user(request, gettext("Reply sent."))
            elif MUTE in request.POST:
                form = MuteForm(request.POST)
                if self._valid(request, form):
                    services.thread_mute(
                        thread=thread,
                        by=request.user,
                        until=timezone.now() + form.delta,
                        reason=form.cleaned_data["reason"],
                    )
                    self.message_user(
                        request, gettext("The customer is muted in this thread.")
                    )
            elif CLOSE in request.POST:
                services.thread_close(thread=thread, by=request.user)
                self.message_user(request, gettext("The consultation is closed."))
        except (ValidationError, PermissionDenied) as error:
            text = (
                " ".join(error.messages)
                if isinstance(error, ValidationError)
                else str(error)
            )
            self.message_user(request, text, messages.ERROR)

    def _reply_with_progress(self, request, thread):
        """A reply with a photo, sent by upload-progress.js: it reads the
        outcome as JSON (a message on the next page would be read by the
        script's request, not by the doctor)."""
        form = MessageForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.message_post(
                    thread=thread, sender=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
        if form.errors:
            return upload_answer(form=form)
        self.message_user(request, gettext("Reply sent."))
        return upload_answer(redirect_to=request.path)

    def _valid(self, request, form):
        if form.is_valid():
            return True
        for errors in form.errors.values():
            for error in errors:
                self.message_user(request, error, messages.ERROR)
        return False
