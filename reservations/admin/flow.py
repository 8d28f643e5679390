"""The flow report's page in the dashboard, for doctors and operators
(superusers): a day or a range of days, as tables and as CSV
(reservations.flow computes it)."""

import csv

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_doctor

from .. import slots
from ..flow import MAX_RANGE_DAYS, STAGES, flow_report

RANGE_ERROR = _("Choose a first day before the last, at most %(days)d days apart.")
OUT_OF_RANGE_ERROR = _("Choose a day between 2000 and 2999.")


class FlowRangeForm(forms.Form):
    first_day = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = forms.DateField(
        label=_("Until"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        for name in ("first_day", "last_day"):
            day = data.get(name)
            if day and not (slots.EARLIEST_DAY <= day <= slots.LATEST_DAY):
                self.add_error(name, OUT_OF_RANGE_ERROR)
                return data
        if first and last and not (0 <= (last - first).days <= MAX_RANGE_DAYS):
            raise forms.ValidationError(
                RANGE_ERROR, code="range", params={"days": MAX_RANGE_DAYS}
            )
        return data


class FlowReportPagesMixin:
    """Added to ReservationAdmin: /admin/reservations/reservation/flow/."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("flow/", view(self.flow_report_view), name="reservations_flow"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        # The list links the report for those who may open it.
        extra_context = {
            **(extra_context or {}),
            "may_see_flow": is_doctor(request.user),
        }
        return super().changelist_view(request, extra_context)

    def flow_report_view(self, request):
        if not is_doctor(request.user):  # doctors, and superusers (operators)
            raise PermissionDenied
        today = timezone.localdate()
        given = "first_day" in request.GET or "last_day" in request.GET
        form = FlowRangeForm(
            request.GET if given else None,
            initial={"first_day": today, "last_day": today},
        )
        report = None
        if not given:
            report = flow_report(today, today)
        elif form.is_valid():
            report = flow_report(
                form.cleaned_data["first_day"], form.cleaned_data["last_day"]
            )
        if report is not None and request.GET.get("format") == "csv":
            return _csv(report)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Flow report"),
            "opts": self.opts,
            "form": form,
            "report": report,
            "stages": STAGES,
            "csv_query": _csv_query(report),
        }
        return TemplateResponse(
            request,
            "admin/reservations/reservation/flow_report.html",
            context,
            status=400 if form.is_bound and form.errors else 200,
        )


def _csv_query(report):
    if report is None:
        return ""
    return (
        f"?first_day={report.first_day.isoformat()}"
        f"&last_day={report.last_day.isoformat()}&format=csv"
    )


def _number(value):
    return "" if value is None else f"{value:.1f}"


def _csv(report):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"flow-{report.first_day.isoformat()}-{report.last_day.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(
        [
            gettext("group"),
            gettext("name"),
            gettext("stage"),
            gettext("visits"),
            gettext("median (minutes)"),
            gettext("90th percentile (minutes)"),
        ]
    )
    groups = {"band": gettext("band"), "doctor": gettext("doctor")}
    for row in report.rows:
        for key, label in STAGES:
            figures = row.stages[key]
            writer.writerow(
                [
                    groups[row.group],
                    _safe(row.label),
                    str(label),
                    figures.count,
                    _number(figures.median),
                    _number(figures.p90),
                ]
            )
    for name, count in report.types:
        writer.writerow([gettext("type of visit"), _safe(name), "", count, "", ""])
    rate = report.no_show_rate
    writer.writerow(
        [
            gettext("no-shows"),
            "",
            "",
            f"{report.no_shows}/{report.expected}",
            "" if rate is None else f"{rate:.1%}",
            "",
        ]
    )
    return response


def _safe(text: str) -> str:
    # A name opened in a spreadsheet must not run as a formula.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text
