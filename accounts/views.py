from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from core.images import image_response, upload_answer, wants_json

from . import services
from .closure import pending_closure
from .data_export import EXPORT_DAYS
from .forms import AvatarForm, ProfileForm, SignupForm
from .models import Notification, User
from .notifications import notifications_mark_read
from .profile_sections import profile_sections
from .roles import can_view_avatar

LIVE_CHECK_FIELDS = ("username", "email")
LIVE_CHECK_MAX_LENGTH = 254


@login_required
def profile(request):
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=request.user)
        if form.is_valid():
            services.user_update_profile(user=request.user, **form.cleaned_data)
            messages.success(request, _("Your profile has been saved."))
            return redirect("accounts:profile")
    else:
        form = ProfileForm(instance=request.user)
    return _profile_page(request, form=form, avatar_form=AvatarForm())


def _profile_page(request, *, form, avatar_form, status=200):
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "avatar_form": avatar_form,
            "profile_sections": profile_sections(),
            "account_closure": pending_closure(request.user),
            "export_days": EXPORT_DAYS,
        },
        status=status,
    )


@login_required
@require_POST
def avatar_upload(request):
    form = AvatarForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.user_set_avatar(
                user=request.user, upload=form.cleaned_data["avatar"]
            )
        except ValidationError as error:
            form.add_error("avatar", error)
    if form.errors:
        if wants_json(request):
            return upload_answer(form=form)
        return _profile_page(
            request,
            form=ProfileForm(instance=request.user),
            avatar_form=form,
            status=400,
        )
    messages.success(request, _("Your new avatar is in place."))
    if wants_json(request):
        return upload_answer(redirect_to=reverse("accounts:profile"))
    return redirect("accounts:profile")


@login_required
@require_POST
def avatar_remove(request):
    services.user_remove_avatar(user=request.user)
    messages.success(request, _("Your avatar has been removed."))
    return redirect("accounts:profile")


@login_required
def avatar(request, pk, size="full"):
    owner = get_object_or_404(User, pk=pk, is_active=True)
    if not can_view_avatar(request.user, owner):
        raise Http404
    image = owner.avatar_thumbnail if size == "thumbnail" else owner.avatar
    if not image:
        raise Http404
    return image_response(image)


@require_POST
def live_check(request):
    """Validate one signup field as the server will, for hints while typing.

    Answers {"field", "valid", "errors"} using the signup form's own messages;
    rate-limited per IP like allauth's own endpoints.
    """
    if not ratelimit.consume(request, action="signup_check"):
        return JsonResponse(
            {"errors": [_("Too many checks; please wait a minute.")]}, status=429
        )
    field = request.POST.get("field", "")
    value = request.POST.get("value", "")
    if field not in LIVE_CHECK_FIELDS or len(value) > LIVE_CHECK_MAX_LENGTH:
        return JsonResponse({"errors": [_("Unknown field.")]}, status=400)
    form = SignupForm(data={field: value})
    form.is_valid()
    errors = [str(error) for error in form.errors.get(field, [])]
    return JsonResponse({"field": field, "valid": not errors, "errors": errors})


class NotificationListView(LoginRequiredMixin, ListView):
    """The user's notifications, newest first; opening the list reads them."""

    template_name = "accounts/notification_list.html"
    context_object_name = "notifications"
    paginate_by = 30

    def get_queryset(self):
        return Notification.objects.for_user(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Shown as new on this visit, read from now on.
        shown = [notification.pk for notification in context["notifications"]]
        notifications_mark_read(user=self.request.user, ids=shown)
        unread = Notification.objects.for_user(self.request.user).unread().count()
        context["unread_notifications"] = unread
        return context


@login_required
@require_POST
def notifications_read_all(request):
    """The list's "Mark all as read": every notification, not only a page."""
    notifications_mark_read(user=request.user)
    messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


@login_required
def notification_open(request, pk):
    """Follow a notification's link, marking it read on the way."""
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    notifications_mark_read(user=request.user, ids=[notification.pk])
    return redirect(notification.url)
