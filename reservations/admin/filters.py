"""The visit list's filters: by default, today's ongoing visits."""

import datetime

from django.contrib.admin.views.main import SEARCH_VAR
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.admin_views import DefaultChoiceFilter

# --- list filters -----------------------------------------------------------------


class DayFilter(DefaultChoiceFilter):
    title = _("day")
    parameter_name = "day"

    def lookups(self, request, model_admin):
        return [
            ("today", _("Today")),
            ("tomorrow", _("Tomorrow")),
            ("past7", _("Past 7 days")),
            (self.ALL, _("All")),
        ]

    def default(self):
        # A search looks through every day unless a day is picked: a doctor
        # looking for a pet by name should not first have to undo "today".
        return self.ALL if self.request.GET.get(SEARCH_VAR) else "today"

    def queryset(self, request, queryset):
        today = timezone.localdate()
        match self.value():
            case "today":
                return queryset.on_day(today)
            case "tomorrow":
                return queryset.on_day(today + datetime.timedelta(days=1))
            case "past7":  # today and the six days before
                return queryset.filter(
                    slot__starts_at__date__range=(
                        today - datetime.timedelta(days=6),
                        today,
                    )
                )
        return queryset


class ProgressFilter(DefaultChoiceFilter):
    title = _("progress")
    parameter_name = "progress"

    def lookups(self, request, model_admin):
        return [
            ("ongoing", _("Ongoing")),
            ("closed", _("Finished, cancelled or no-show")),
            (self.ALL, _("All")),
        ]

    def default(self):
        # A state picked in the state filter says what is wanted; "ongoing"
        # would hide finished and cancelled visits from it.
        return self.ALL if "state__exact" in self.request.GET else "ongoing"

    def queryset(self, request, queryset):
        if self.value() == "ongoing":
            return queryset.ongoing()
        if self.value() == "closed":
            return queryset.closed()
        return queryset
