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

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

DASHBOARD_GROUP = "dashboard"
# The reason of a change to consultations: the Today panel counts them, the
# queue page does not show them and ignores it (data-live-ignore).
CONSULTATION_REASON = "consultation"

logger = logging.getLogger("healingpaws.reservations")

# Where the transaction's pending push is kept: on the database connection,
# which belongs to one thread and holds the transaction's on_commit list.
_PENDING = "_healingpaws_dashboard_push"


def dashboard_changed(*, reason: str, day: datetime.date | None = None) -> None:
    """After the commit, tell the open dashboards that `reason` (an event kind,
    "reorder") changed what they show about `day` (None: no day in particular).
    """
    connection = transaction.get_connection()
    push = getattr(connection, _PENDING, None)
    if push is None or not push.waits_on(connection):
        # Nothing pending in this transaction yet (or the last one was sent,
        # or dropped by a rollback): register the one push it will make.
        push = _Push()
        setattr(connection, _PENDING, push)
        push.add(reason, day)
        transaction.on_commit(push)  # outside a transaction: sent right away
    else:
        push.add(reason, day)


class _Push:
    def __init__(self):
        self.reasons: set[str] = set()
        self.days: set[str] = set()
        self.sent = False

    def add(self, reason, day):
        self.reasons.add(str(reason))
        if day is not None:
            self.days.add(day.isoformat())

    def waits_on(self, connection):
        # A rollback (of the transaction or of the savepoint that registered
        # it) takes the callback off the connection's list, and a flag alone
        # would then stop every later push on this thread: ask the list.
        return not self.sent and any(
            func is self for _savepoints, func, _robust in connection.run_on_commit
        )

    def __call__(self):
        self.sent = True
        try:
            async_to_sync(get_channel_layer().group_send)(
                DASHBOARD_GROUP,
                {
                    "type": "dashboard.changed",
                    "reasons": sorted(self.reasons),
                    "days": sorted(self.days),
                },
            )
        except Exception:
            # Redis away or the like: the pages are right on their next load,
            # and the change that made this push must not fail for it.
            logger.warning(
                "dashboard push (%s) not sent",
                ", ".join(sorted(self.reasons)),
                exc_info=True,
            )
