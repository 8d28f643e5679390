"""Care reminders: owners hear of a dose's next due date three times, 4 weeks
before (early), on the day (due) and 2 weeks after (overdue), by e-mail and in
the bell, in their language. Run by the schedule (PetsConfig.ready) every
REMINDERS_EVERY; each run sends what is due that day.

- Once per notice: a CareNotice row per (dose, stage), written in the
  transaction that hands the e-mail to the queue; its unique constraint
  refuses a second, and the owner's row is locked meanwhile, so two runs at
  once never both send (PostgreSQL).
- One e-mail a day per household: everything due for the owner's pets goes in
  one e-mail; an owner who had one today waits for tomorrow (each stage has a
  window of days, so the notice is still sent).
- A stage's window missed (reminders off, workers down for weeks) is skipped,
  never sent late; only the latest dose of an item counts (a new dose
  supersedes the old one's reminders); archived pets and owners who switched
  reminders off get nothing.
"""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import task

from accounts.models import User
from accounts.notifications import notification_send
from accounts.unclaimed import may_email

from .models import CareDose, CareNotice, NoticeStage
from .notices import REMINDER

logger = logging.getLogger("healingpaws.pets")

REMINDERS_EVERY = datetime.timedelta(hours=1)
# Not at night: runs before this local hour send nothing (the day's run after
# it does).
SEND_FROM_HOUR = 9
EARLY_BEFORE = datetime.timedelta(weeks=4)
OVERDUE_AFTER = datetime.timedelta(weeks=2)
OVERDUE_UNTIL = datetime.timedelta(weeks=6)


def stage_on(next_due: datetime.date, today: datetime.date) -> str | None:
    """The notice whose window `today` is in, if any."""
    if next_due - EARLY_BEFORE <= today < next_due:
        return NoticeStage.EARLY
    if next_due <= today < next_due + OVERDUE_AFTER:
        return NoticeStage.DUE
    if next_due + OVERDUE_AFTER <= today < next_due + OVERDUE_UNTIL:
        return NoticeStage.OVERDUE
    return None


@dataclass(frozen=True)
class Due:
    dose: CareDose
    stage: str


def candidates(today: datetime.date):
    """The latest doses whose next due date is in some notice's window."""
    return (
        CareDose.objects.latest_per_item()
        .filter(
            next_due__gt=today - OVERDUE_UNTIL,
            next_due__lte=today + EARLY_BEFORE,
            pet__archived_at__isnull=True,
            pet__owner__is_active=True,
        )
        .exclude(pet__owner__care_reminder_setting__enabled=False)
        .select_related("pet__owner", "item")
        .order_by("pet__owner_id", "pet__name", "pet_id", "next_due", "pk")
    )


def reminders_plan(today: datetime.date) -> dict[User, list[Due]]:
    """What today's run would send, by household (read-only; the run checks
    again under each owner's lock)."""
    households = defaultdict(list)
    for dose in candidates(today):
        stage = stage_on(dose.next_due, today)
        if stage:
            households[dose.pet.owner].append(Due(dose, stage))
    sent = set(
        CareNotice.objects.filter(
            dose__in=[due.dose for dues in households.values() for due in dues]
        ).values_list("dose_id", "stage")
    )
    emailed_today = set(
        CareNotice.objects.filter(sent_on=today).values_list("owner_id", flat=True)
    )
    plan = {}
    for owner, dues in households.items():
        dues = [due for due in dues if (due.dose.pk, due.stage) not in sent]
        if dues and owner.pk not in emailed_today:
            plan[owner] = dues
    return plan


def reminders_send(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Send today's notices, one e-mail per household; how many of each."""
    now = now or timezone.now()
    summary = {"households": 0, "notices": 0, "failed": 0}
    if timezone.localtime(now).hour < SEND_FROM_HOUR:
        return summary
    today = timezone.localdate(now)
    for owner, dues in reminders_plan(today).items():
        try:
            sent = _send_household(owner, dues, today)
        except Exception:
            # One household's failure (a template, the task's row) must not
            # stop the others; nothing of it is recorded, so the next run
            # tries again.
            logger.exception("care reminders for user %s not sent", owner.pk)
            summary["failed"] += 1
            continue
        if sent:
            summary["households"] += 1
            summary["notices"] += sent
    return summary


@transaction.atomic
def _send_household(owner: User, dues: list[Due], today: datetime.date) -> int:
    # Under the owner's lock: another run does this household after us, and
    # then sees what we sent.
    User.objects.select_for_update().filter(pk=owner.pk).first()
    if CareNotice.objects.filter(owner=owner, sent_on=today).exists():
        return 0  # one e-mail a day: the rest tomorrow
    sent = set(
        CareNotice.objects.filter(dose__in=[due.dose for due in dues]).values_list(
            "dose_id", "stage"
        )
    )
    dues = [due for due in dues if (due.dose.pk, due.stage) not in sent]
    if not dues:
        return 0
    CareNotice.objects.bulk_create(
        CareNotice(dose=due.dose, stage=due.stage, owner=owner, sent_on=today)
        for due in dues
    )
    _email(owner, dues, today)
    pets = list(dict.fromkeys(due.dose.pet for due in dues))
    notification_send(
        recipient=owner,
        kind=REMINDER,
        url=pets[0].get_absolute_url() + "?record=care#record",
        pets=[pet.name for pet in pets],
        pet_id=pets[0].pk if len(pets) == 1 else None,
    )
    return len(dues)


def book_url(pet, dues: list[Due]) -> str:
    """The booking page with the pet chosen and the reason written."""
    names = ", ".join(due.dose.item.display_name for due in dues)
    reason = gettext("Preventive care: %(items)s") % {"items": names}
    query = urlencode({"pet": pet.pk, "reason": reason})
    return f"{settings.SITE_URL}{reverse('reservations:new')}?{query}"


def _email(owner, dues, today):
    if not may_email(owner):
        return  # an unclaimed walk-in account's address (accounts/unclaimed.py)
    with translation.override(owner.preferred_language):
        by_pet = defaultdict(list)
        for due in dues:
            by_pet[due.dose.pet].append(due)
        context = {
            "owner": owner,
            "today": today,
            "pets": [
                {
                    "pet": pet,
                    "dues": pet_dues,
                    "book_url": book_url(pet, pet_dues),
                    "record_url": settings.SITE_URL
                    + pet.get_absolute_url()
                    + "?record=care",
                }
                for pet, pet_dues in by_pet.items()
            ],
            "settings_url": settings.SITE_URL + reverse("pets:care-reminders"),
        }
        subject = render_to_string("pets/email/care_reminder_subject.txt", context)
        subject = f"[{gettext('Healing Paws')}] {' '.join(subject.split())}"
        body = render_to_string("pets/email/care_reminder_message.txt", context)
    EmailMessage(subject, body, to=[owner.email]).send()


@task()
def send_care_reminders() -> dict[str, int]:
    """The schedule's job, every REMINDERS_EVERY."""
    return reminders_send()
