"""The doctors' live dashboard: after a change to what the queue or the Today
panel shows, their open admin pages hear "something changed" over
ws/dashboard/ and re-read themselves.

The push carries ids and strings only, never the data: each page is drawn
again for its reader, with the reader's permissions and language. It happens
after the commit and is best effort, like the notifications: a page that
missed it is still right on its next load, and the change stands either way.

Every change of one transaction makes a single push, which names all its
reasons and days: an admin save that triages and moves a visit, or a bulk
action, does not make each open page fetch itself several times.
"""

import datetime
import logging

from core.realtime import push_later, push_merged_after_commit

DASHBOARD_GROUP = "dashboard"
# The doctors' dashboard sockets only (consumers.DashboardConsumer): alerts of
# visits past their maximum wait (issue 16) are theirs, not the front desk's.
DOCTORS_DASHBOARD_GROUP = "dashboard-doctors"
# The reason of a change to consultations: the Today panel counts them, the
# queue page does not show them and ignores it (data-live-ignore).
CONSULTATION_REASON = "consultation"

logger = logging.getLogger("healingpaws.reservations")


def dashboard_changed(*, reason: str, day: datetime.date | None = None) -> None:
    """After the commit, tell the open dashboards that `reason` (an event kind,
    "reorder") changed what they show about `day` (None: no day in particular).
    """
    push_merged_after_commit(
        DASHBOARD_GROUP,
        "dashboard.changed",
        reasons=[reason],
        days=[] if day is None else [day.isoformat()],
        label=_label,
        log=logger,
    )


def _label(event):
    return f"dashboard push ({', '.join(event['reasons'])})"


def visit_overdue_push(visit) -> None:
    """Queue, in the caller's transaction, the alert that `visit` (marked by
    waits.mark_waits) has waited past its band's maximum. Unlike the changes
    above it carries what the alert says (the pet's name, the band and its
    minutes): the page shows it as it is, with the band in its own language."""
    event = {
        "type": "dashboard.overdue",
        "visit": visit.pk,
        "pet": visit.pet.name,
        "band": visit.wait_band,
        "minutes": visit.wait_limit_minutes,
    }
    push_later.enqueue(DOCTORS_DASHBOARD_GROUP, event, f"overdue alert ({visit.pk})")
