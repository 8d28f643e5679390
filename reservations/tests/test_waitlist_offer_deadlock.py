"""Offering a freed place to the waitlist never deadlocks with a booking, on
PostgreSQL with real commits (review H2 of issue 16): a place of two slots
offered for a freed 10:00 may start at 9:30, before it; a booking of 9:30 and
10:00 locks 9:30 first. Whatever frees the place (a cancellation, a move, an
offer that lapsed) must not hold 10:00 while it waits for 9:30
(reservations/services/places.py, waitlist_offers.give_back_and_offer)."""

import threading
import time

import pytest
from django.db import connections, transaction
from django.utils import timezone

from core.tests.databases import only_on_postgresql
from pets.tests.factories import PetFactory
from reservations import services
from reservations.models import ClinicSettings, Slot, State, VisitType, WaitlistEntry
from reservations.tests.factories import book, ensure_default_hours, tomorrow_at
from reservations.tests.places import join_tomorrow

pytestmark = pytest.mark.calendar

requires_postgresql = only_on_postgresql(
    "SQLite serialises writers; the race is only real on PostgreSQL"
)


def _lock_rows_in_time_order_slowly(first, second, *, holding_first, errors):
    """What a booking of the two slots `first`, `second` does in places_take
    (one SELECT ... FOR UPDATE in time order), slowed down between the rows."""
    try:
        with transaction.atomic():
            list(Slot.objects.select_for_update().filter(starts_at=first))
            holding_first.set()
            time.sleep(1.5)  # meanwhile the other transaction locks what it can
            list(Slot.objects.select_for_update().filter(starts_at=second))
    except Exception as error:  # noqa: BLE001 - any failure is the finding
        errors["booking"] = repr(error)
    finally:
        connections.close_all()


@requires_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("freeing", ["cancel", "move", "lapse"])
def test_offering_a_two_slot_place_that_starts_before_the_freed_one_never_deadlocks(
    customer, other_customer, freeing
):
    """The 10:00 place freed goes to a two-slot entry as 9:30-10:30 (10:30 is
    full), while a booking holds 9:30 and wants 10:00 next: the freeing
    transaction must not hold 10:00 while it waits for 9:30 (review H2)."""
    ensure_default_hours()
    # update_or_create: a transactional test's flush may have emptied it.
    ClinicSettings.objects.update_or_create(
        pk=1, defaults={"slot_minutes": 30, "doctors_on_duty": 1}
    )
    short = VisitType.objects.create(name="Deadlock: short", slot_units=1)
    long = VisitType.objects.create(name="Deadlock: long", slot_units=2)
    lapsing = join_tomorrow(other_customer, short) if freeing == "lapse" else None
    ten = book(PetFactory(), starts_at=tomorrow_at(10), visit_type=short)
    waiting = join_tomorrow(customer, long)
    book(PetFactory(), starts_at=tomorrow_at(10, 30), visit_type=short)  # full
    Slot.objects.create(starts_at=tomorrow_at(9, 30), capacity=1)  # free
    if lapsing is not None:
        cancel_visit(ten)  # 10:00 is held for the first entry, which lets it lapse
        assert WaitlistEntry.objects.get(pk=lapsing.pk).offered_slot.starts_at == (
            tomorrow_at(10)
        )
        WaitlistEntry.objects.filter(pk=lapsing.pk).update(
            offer_expires_at=timezone.now()
        )

    def free_ten():
        if freeing == "cancel":
            cancel_visit(ten)
        elif freeing == "move":
            services.reservation_update(
                reservation=ten,
                by=ten.pet.owner,
                starts_at=tomorrow_at(14),
                symptoms=ten.symptoms,
                breathing_trouble=False,
                heavy_bleeding=False,
                collapse_or_seizure=False,
            )
        else:
            assert services.waitlist_offers_expire() == 1

    errors = {}
    holding = threading.Event()

    def freeing_thread():
        holding.wait()
        try:
            free_ten()
        except Exception as error:  # noqa: BLE001 - any failure is the finding
            errors["freeing"] = repr(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(
            target=_lock_rows_in_time_order_slowly,
            args=(tomorrow_at(9, 30), tomorrow_at(10)),
            kwargs={"holding_first": holding, "errors": errors},
        ),
        threading.Thread(target=freeing_thread),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == {}
    waiting.refresh_from_db()
    assert waiting.state == WaitlistEntry.State.OFFERED
    assert (waiting.offered_slot.starts_at, waiting.offer_ends_at) == (
        tomorrow_at(9, 30),
        tomorrow_at(10, 30),
    )
    counts = dict(Slot.objects.values_list("starts_at", "booked"))
    assert [counts[tomorrow_at(9, 30)], counts[tomorrow_at(10)]] == [1, 1]


def cancel_visit(visit):
    services.reservation_transition(
        reservation=visit, to_state=State.CANCELLED, by=visit.pet.owner, note="Away."
    )
