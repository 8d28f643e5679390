from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView

from accounts.access_log import AccessView, access_record
from accounts.roles import is_doctor, load_roles
from core import page_parts
from core.generations import cached_value
from core.images import image_response, upload_answer, wants_json
from pets.record.alerts import alerts_shown_to

from . import services
from .forms import MessageForm, ThreadForm
from .models import Thread, thread_generation
from .payloads import message_payload

BAD_BEFORE_ERROR = _("'before' must be the id of a message.")
BAD_AFTER_ERROR = _("'after' must be the id of a message.")
BEFORE_AND_AFTER_ERROR = _("Ask for messages before or after a message, not both.")

PHOTO_FIELDS = {"full": "photo", "thumbnail": "photo_thumbnail"}


class ThreadListView(LoginRequiredMixin, ListView):
    """A customer's own threads, newest first; for doctors every open thread,
    urgent and unread first. Two subqueries count the unread: constant queries."""

    template_name = "consultation/thread_list.html"
    context_object_name = "threads"
    paginate_by = 50

    def get_queryset(self):
        user = self.request.user
        threads = (
            Thread.objects.visible_to(user)
            .with_unread_count(user)
            .select_related("customer", "pet")
        )
        if is_doctor(user):
            return threads.open().in_triage_order()
        return threads.order_by("-last_message_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["for_doctor"] = is_doctor(self.request.user)
        access_record(self.request, context["threads"], view=AccessView.LIST)
        return context


@login_required
def thread_create(request):
    form = ThreadForm(
        request.POST or None, request.FILES or None, customer=request.user
    )
    if form.is_bound and form.is_valid():
        try:
            thread = services.thread_open(customer=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if wants_json(request):  # a photo sent by upload-progress.js
                return upload_answer(redirect_to=thread.get_absolute_url())
            return redirect(thread)
    if form.errors and wants_json(request):
        return upload_answer(form=form)
    return render(
        request,
        "consultation/thread_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
def thread_detail(request, pk):
    """The thread's history and a plain form to write, working without JavaScript.

    `?before=<id>` shows older messages. Opening the page marks what it shows read.
    """
    # The roles and permissions in one query: who sees the thread, and its alerts.
    load_roles(request.user)
    thread = _visible_thread(request, pk)
    access_record(request, [thread])  # staff only: not the customer
    try:
        before = history_before(request)
    except ValueError:
        return HttpResponseBadRequest(str(BAD_BEFORE_ERROR))
    form = MessageForm()
    if request.method == "POST":
        form = MessageForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                message = services.message_post(
                    thread=thread, sender=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                url = f"{thread.get_absolute_url()}#message-{message.pk}"
                if wants_json(request):  # a photo sent by upload-progress.js
                    return upload_answer(redirect_to=url)
                return redirect(url)
        if wants_json(request):
            return upload_answer(form=form)
        before = None
    composer_generations = _composer_generations(thread)
    if (
        request.method == "GET"
        and composer_generations
        and page_parts.kept_part(
            request,
            name="composer",
            generations=composer_generations,
            vary=[thread.pk],  # as the template varies it
        )
        is None
    ):
        # Looked up first, then the thread read again for drawing it: the
        # one read above may predate a close or a mute whose new generation
        # the composer would be kept under (core.page_parts.kept_part).
        thread = _visible_thread(request, pk)
    viewer_is_hospital = request.user.pk != thread.customer_id
    shown = ShownMessages(thread, before, viewer=request.user)
    # The latest messages are a part kept rendered until the thread's
    # messages or read marks change (core/page_parts.py): read only when it
    # is drawn, and marked read up to the thread's latest (what it shows).
    kept = request.method == "GET" and before is None
    if kept:
        # Once for each change of the thread: until a message is written or
        # a mark moves, a reload has nothing new to mark.
        cached_value(
            f"thread-read:{thread.pk}:{request.user.pk}",
            [thread_generation(thread.pk)],
            lambda: bool(services.thread_mark_read(thread=thread, user=request.user)),
        )
    elif shown.messages:
        services.thread_mark_read(
            thread=thread, user=request.user, up_to=shown.messages[-1]
        )
    context = {
        "thread": thread,
        "shown": shown,
        "part_generations": (
            [thread_generation(thread.pk), page_parts.NAMES] if kept else None
        ),
        "showing_older": before is not None,
        "composer_generations": (
            _composer_generations(thread) if request.method == "GET" else None
        ),
        "form": form,
        "viewer_is_hospital": viewer_is_hospital,
        "can_write": not thread.is_closed
        and (viewer_is_hospital or not thread.is_muted()),
        # The pet's alerts for doctors, as on the admin's page of the thread.
        "patient_alerts": alerts_shown_to(request.user, thread.pet),
    }
    return render(
        request,
        "consultation/thread_detail.html",
        context,
        status=400 if form.errors else 200,
    )


class ShownMessages:
    """The messages a thread page shows (the latest, or those before
    `before`), whether there are older ones, and the viewer's latest one the
    other side has read; read when the page draws them."""

    def __init__(self, thread, before, *, viewer):
        self.thread, self.before, self.viewer = thread, before, viewer

    @cached_property
    def _page(self):
        messages, has_more = self.thread.messages.history_page(self.before)
        for message in messages:
            message.is_mine = message.sender_id == self.viewer.pk
        return messages, has_more

    @property
    def messages(self):
        return self._page[0]

    @property
    def has_more(self):
        return self._page[1]

    @cached_property
    def seen_message_id(self):
        viewer_is_hospital = self.viewer.pk != self.thread.customer_id
        return seen_message_id(self.thread, self.messages, viewer_is_hospital)


@login_required
def thread_messages(request, pk):
    """A page of messages older than `?before=<id>` (the latest without it),
    oldest first, and whether there are older ones still; or, with
    `?after=<id>`, the messages newer than it (a page catching up after a lost
    connection), oldest first, and whether there are newer ones still."""
    thread = _visible_thread(request, pk)
    try:
        before = history_before(request)
    except ValueError:
        return JsonResponse({"error": str(BAD_BEFORE_ERROR)}, status=400)
    try:
        after = message_id_param(request, "after")
    except ValueError:
        return JsonResponse({"error": str(BAD_AFTER_ERROR)}, status=400)
    if after is not None and before is not None:
        return JsonResponse({"error": str(BEFORE_AND_AFTER_ERROR)}, status=400)
    if after is not None:
        history, has_more = thread.messages.after_page(after)
    else:
        history, has_more = thread.messages.history_page(before)
    # Staff reading the thread this way are logged as opening it, once an
    # hour at most: its page pages through here.
    access_record(request, [thread], once_within_window=True)
    return JsonResponse(
        {
            "messages": [message_payload(message) for message in history],
            "has_more": has_more,
        }
    )


@login_required
def message_photo(request, pk, message_pk, size):
    """A message's photo, for the thread's customer and doctors; 404 otherwise."""
    thread = _visible_thread(request, pk)
    message = get_object_or_404(thread.messages, pk=message_pk)
    image = getattr(message, PHOTO_FIELDS[size])
    if not image:
        raise Http404
    return image_response(image)


def _composer_generations(thread):
    """The composer (the empty form, or why there is none) is the same on
    every GET until the thread is closed or muted (a save of the thread
    renews its generation: signals.py); a mute that runs out by itself is
    never kept."""
    return None if thread.is_muted() else [thread_generation(thread.pk)]


def _visible_thread(request, pk):
    return get_object_or_404(
        Thread.objects.visible_to(request.user).select_related("customer", "pet"),
        pk=pk,
    )


def history_before(request):
    return message_id_param(request, "before")


def message_id_param(request, name):
    """The message id in `?<name>=`, or None; ValueError unless a positive id
    of at most 18 digits (a longer one is no id, and int() of it is costly)."""
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18 or int(raw) < 1:
        raise ValueError(raw)
    return int(raw)


def seen_message_id(thread, history, viewer_is_hospital):
    """The latest shown message of the viewer's side that the other side has
    read: the customer sees what a doctor has read, doctors what the customer has."""
    marks = thread.read_marks.all()
    if viewer_is_hospital:
        marks = marks.filter(user=thread.customer_id)
    else:
        marks = marks.exclude(user=thread.customer_id)
    read_up_to = marks.aggregate(up_to=Max("last_read_message_id"))["up_to"]
    if read_up_to is None:
        return None
    ours = [
        message.pk
        for message in history
        if not message.is_system
        and message.from_hospital == viewer_is_hospital
        and message.pk <= read_up_to
    ]
    return ours[-1] if ours else None
