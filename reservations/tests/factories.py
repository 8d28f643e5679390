import datetime

from django.db.models import F
from django.utils import timezone

from reservations import services
from reservations.models import (
    OpeningHours,
    Reservation,
    Slot,
    State,
    Triage,
    VisitType,
)


def tomorrow_at(hour, minute=0):
    """A slot start tomorrow, in the hospital's time zone (open every day)."""
    day = timezone.localdate() + datetime.timedelta(days=1)
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


def book(pet, *, starts_at=None, symptoms="Limping since Monday.", **flags):
    return services.reservation_create(
        owner=pet.owner,
        pet=pet,
        starts_at=starts_at or tomorrow_at(10),
        symptoms=symptoms,
        **flags,
    )


def today_at(hour, minute=0):
    """A time today in the hospital's time zone; may be in the past."""
    return datetime.datetime.combine(
        timezone.localdate(),
        datetime.time(hour, minute),
        tzinfo=timezone.get_current_timezone(),
    )


def make_visit(
    pet,
    *,
    starts_at=None,
    state=State.REQUESTED,
    triage=Triage.UNTRIAGED,
    queue_position=None,
    **fields,
):
    """A visit written straight to the database, in any state and at any
    time (past ones included), for tests of what pages and the admin read."""
    starts_at = starts_at or today_at(10)
    slot, _created = Slot.objects.get_or_create(
        starts_at=starts_at, defaults={"capacity": 10_000}
    )
    Slot.objects.filter(pk=slot.pk).update(booked=F("booked") + 1)
    if queue_position is None:
        queue_position = Reservation.objects.count() + 1
    if state == State.CANCELLED:
        fields.setdefault("cancel_reason", "Feeling better.")
    fields.setdefault("symptoms", "Limping since Monday.")
    fields.setdefault("visit_type", VisitType.default())
    return Reservation.objects.create(
        pet=pet,
        slot=slot,
        state=state,
        triage=triage,
        queue_position=queue_position,
        **fields,
    )


def ensure_default_hours():
    """The opening hours of migration 0002, for transactional tests: the
    flush after each of them empties the table the migration filled."""
    for weekday in OpeningHours.Weekday.values:
        sunday = weekday == OpeningHours.Weekday.SUNDAY
        OpeningHours.objects.update_or_create(
            weekday=weekday,
            defaults={
                "opens": datetime.time(9 if sunday else 8),
                "closes": datetime.time(17 if sunday else 20),
            },
        )


def make_front_desk(**fields):
    """A receptionist: active staff in the "Front desk" group of migration 0003."""
    from django.contrib.auth.models import Group

    from accounts.roles import FRONT_DESK_GROUP
    from accounts.tests.factories import UserFactory

    user = UserFactory(is_staff=True, **fields)
    # get_or_create: a transactional test's flush empties the migration's rows.
    user.groups.add(Group.objects.get_or_create(name=FRONT_DESK_GROUP)[0])
    return user
