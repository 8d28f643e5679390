"""How fast the visit pages answer under load, against /healthz of the same run.

Builds a throwaway hospital (a temporary SQLite file, or a new database on the
PostgreSQL server of DATABASE_URL, dropped afterwards), starts daphne on it with
production settings (DEBUG off, collected static files), and fires requests at
each page from a pool of threads. See bench/README.md.

This measures; it asserts nothing. Compare pages with /healthz of the same run
rather than with numbers from another machine.
"""

import argparse
import http.client
import os
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Run as a script, this folder comes first on sys.path, and this very file
# would shadow the `reservations` app: put the repository there instead.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

from bench._server import (  # noqa: E402
    empty_redis,
    fetch,
    percentiles,
    production_environment,
    session_cookie,
    start_daphne,
    stop_daphne,
    throwaway_database,
)

OWNERS = 50
# The benchmark's customer owns this many pets: a busy owner (a breeder, a
# shelter), the worst realistic case for "My pets".
CUSTOMER_PETS = 20
TODAY_VISITS = 40  # ongoing visits in today's queue, if today has the places
FUTURE_VISITS = 60  # requested or confirmed, in the next days


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="per page")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--visits", type=int, default=1000)
    parser.add_argument("--pets", type=int, default=200)
    parser.add_argument(
        "--redis",
        default="",
        help="an empty Redis database for the cache, as in production (emptied "
        "at the end); without it, the in-process cache",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder (and log)"
    )
    args = parser.parse_args()
    if args.pets < CUSTOMER_PETS or args.visits < args.pets:
        parser.error(f"need at least {CUSTOMER_PETS} pets and one visit per pet")
    redis = None
    if args.redis:
        redis = empty_redis(args.redis)

    workdir = Path(tempfile.mkdtemp(prefix="healingpaws-bench-"))
    database_url, drop_database = throwaway_database(
        workdir, os.environ.get("DATABASE_URL", "")
    )
    production_environment(workdir, database_url, redis_url=args.redis or None)
    daphne = None
    try:
        print(f"Preparing {database_url} ...", flush=True)
        pages, cookies, queries = prepare(visits=args.visits, pets=args.pets)
        daphne, base = start_daphne(workdir)
        print(
            f"daphne on {base}; {args.requests} requests per page, "
            f"{args.concurrency} at a time\n",
            flush=True,
        )
        results = []
        for name, path, who in pages:
            headers = {"Cookie": cookies[who]} if who else {}
            # Warm up: templates compile and caches fill on the first requests.
            run(base, path, headers, requests=args.concurrency * 2, threads=1)
            results.append(
                (name, path)
                + run(
                    base,
                    path,
                    headers,
                    requests=args.requests,
                    threads=args.concurrency,
                )
            )
        report(results, queries)
    finally:
        if daphne:
            stop_daphne(daphne)
        drop_database()
        if redis is not None:
            redis.flushdb()
        if args.keep:
            print(f"\nKept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def prepare(*, visits, pets):
    """Migrate, collect static files and seed; return the pages and cookies."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    doctor, customer, visit = seed(visits=visits, pets=pets)
    admin = "/" + settings.DJANGO_ADMIN_URL
    pages = [
        ("health", "/healthz", None),
        ("my pets", "/pets/", "customer"),
        ("visit page", f"/reservations/{visit.pk}/", "customer"),
        ("changelist", f"{admin}reservations/reservation/", "doctor"),
        ("queue", f"{admin}reservations/reservation/queue/", "doctor"),
    ]
    users = {"customer": customer, "doctor": doctor}
    cookies = {who: session_cookie(user) for who, user in users.items()}
    queries = {path: count_queries(path, users.get(who)) for _, path, who in pages}
    return pages, cookies, queries


def count_queries(path, user):
    """SQL queries of one request, in this process (the second of two, so
    that per-process caches such as content types are warm)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(
        raise_request_exception=False,
        HTTP_HOST="127.0.0.1",
        HTTP_X_FORWARDED_PROTO="https",
    )
    if user:
        client.force_login(user)
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return len(queries)


def seed(*, visits, pets):
    """A hospital in bulk: owners, pets, and visits past, today and to come.

    Every pet has at most one ongoing visit and no slot holds more visits
    than its capacity, as the database requires; the rest are finished or
    cancelled visits in the past. One event per change, like the services.
    """
    import datetime
    from itertools import cycle

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from accounts.services import user_create_verified, user_promote_to_doctor
    from pets.models import Pet, Species
    from reservations.models import (
        ClinicSettings,
        Reservation,
        ReservationEvent,
        Slot,
        State,
        Triage,
    )
    from reservations.slots import slot_times
    from reservations.visit_types import VisitType

    capacity = ClinicSettings.current().doctors_on_duty
    today = timezone.localdate()
    doctor = user_create_verified(
        username="bench_doctor", email="doctor@bench.example", password=None
    )
    user_promote_to_doctor(user=doctor)
    customer = user_create_verified(
        username="bench_customer", email="customer@bench.example", password=None
    )
    unusable = make_password(None)
    owners = [customer] + User.objects.bulk_create(
        User(username=f"owner{i}", email=f"owner{i}@bench.example", password=unusable)
        for i in range(1, OWNERS)
    )
    # The customer's pets first, then the others' in turn.
    pet_owners = [customer] * CUSTOMER_PETS + [
        owners[1 + i % (OWNERS - 1)] for i in range(pets - CUSTOMER_PETS)
    ]
    species = cycle(Species.values)
    all_pets = Pet.objects.bulk_create(
        Pet(
            owner=owner,
            name=f"Pet {i}",
            species=next(species),
            birth_date=today - datetime.timedelta(days=400 + i),
        )
        for i, owner in enumerate(pet_owners)
    )

    def places(days):
        """Each slot start of these days, once per place."""
        for day in days:
            for starts_at in slot_times(day):
                yield from [starts_at] * capacity

    today_places = list(places([today]))[: min(TODAY_VISITS, pets)]
    future_places = places(today + datetime.timedelta(days=d) for d in range(1, 60))
    past_places = places(today - datetime.timedelta(days=d) for d in range(1, 3650))
    ongoing = [
        State.REQUESTED,
        State.CONFIRMED,
        State.CHECKED_IN,
        State.IN_TREATMENT,
        State.READY_FOR_RELEASE,
    ]
    bands = cycle(
        [Triage.EMERGENCY, Triage.STANDARD, Triage.STANDARD, Triage.UNTRIAGED]
    )
    plan = []  # (pet, starts_at, state, triage)
    for i, starts_at in enumerate(today_places):
        plan.append((all_pets[i], starts_at, ongoing[i % 5], next(bands)))
    # One ongoing visit per pet: the future ones go to pets not in today's queue.
    for i in range(len(today_places), min(len(today_places) + FUTURE_VISITS, pets)):
        state = State.REQUESTED if i % 2 else State.CONFIRMED
        triage = Triage.UNTRIAGED if i % 2 else Triage.STANDARD
        plan.append((all_pets[i], next(future_places), state, triage))
    for i in range(visits - len(plan)):
        state = State.CANCELLED if i % 10 == 0 else State.FINISHED
        plan.append((all_pets[i % pets], next(past_places), state, Triage.STANDARD))

    slots = Slot.objects.bulk_create(
        Slot(starts_at=starts_at, capacity=capacity, booked=booked)
        for starts_at, booked in Counter(
            starts_at for _, starts_at, state, _ in plan if state != State.CANCELLED
        ).items()
    )
    by_time = {slot.starts_at: slot for slot in slots}
    for starts_at in {starts_at for _, starts_at, _, _ in plan} - set(by_time):
        # A slot that holds only cancelled visits keeps all its places.
        by_time[starts_at] = Slot.objects.create(starts_at=starts_at, capacity=capacity)
    visit_type = VisitType.default()  # every visit has a type (one slot long)
    created = Reservation.objects.bulk_create(
        Reservation(
            pet=pet,
            visit_type=visit_type,
            slot=by_time[starts_at],
            symptoms="Limping on the left front leg since Monday; eats normally.",
            state=state,
            triage=triage,
            queue_position=position,
            cancel_reason="Feeling better." if state == State.CANCELLED else "",
        )
        for position, (pet, starts_at, state, triage) in enumerate(plan, start=1)
    )
    events = []
    for visit in created:
        events.append(
            ReservationEvent(
                reservation=visit,
                kind=ReservationEvent.Kind.CREATED,
                actor=visit.pet.owner,
                to_value=State.REQUESTED,
            )
        )
        if visit.triage != Triage.UNTRIAGED:
            events.append(
                ReservationEvent(
                    reservation=visit,
                    kind=ReservationEvent.Kind.TRIAGE,
                    actor=doctor,
                    from_value=Triage.UNTRIAGED,
                    to_value=visit.triage,
                )
            )
        if visit.state != State.REQUESTED:
            events.append(
                ReservationEvent(
                    reservation=visit,
                    kind=ReservationEvent.Kind.STATE,
                    actor=doctor,
                    from_value=State.REQUESTED,
                    to_value=visit.state,
                    note="All well.",
                )
            )
    ReservationEvent.objects.bulk_create(events)
    print(
        f"Seeded {len(all_pets)} pets of {OWNERS} owners, {len(created)} visits "
        f"({len(today_places)} today), {len(events)} events.",
        flush=True,
    )
    # The customer's visit in today's queue, with a few events to show.
    visit = next(v for v in created if v.pet.owner_id == customer.pk and v.is_ongoing)
    return doctor, customer, visit


def run(base, path, headers, *, requests, threads):
    """Fire `requests` GETs from `threads` keep-alive connections.

    Returns (status counts, requests per second, latencies in ms).
    """
    local = threading.local()

    def one(_):
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection(base, timeout=30)
        started = time.perf_counter()
        try:
            status = fetch(local.connection, path, headers)
        except (OSError, http.client.HTTPException) as error:
            local.connection.close()  # reconnects on the next request
            status = type(error).__name__
        return status, (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        outcomes = list(pool.map(one, range(requests)))
    elapsed = time.perf_counter() - started
    statuses = Counter(status for status, _ in outcomes)
    return statuses, requests / elapsed, [ms for _, ms in outcomes]


def report(results, queries):
    health_p50 = percentiles(results[0][4])[0]
    header = (
        f"{'page':<11} {'path':<40} {'status':<14} {'req/s':>7} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'p50 ×health':>11} "
        f"{'queries':>7}"
    )
    print(header)
    print("-" * len(header))
    for name, path, statuses, rate, latencies in results:
        p50, p95, p99 = percentiles(latencies)
        status = " ".join(
            f"{code}×{n}" for code, n in sorted(statuses.items(), key=str)
        )
        print(
            f"{name:<11} {path:<40} {status:<14} {rate:>7.0f} "
            f"{p50:>7.1f} {p95:>7.1f} {p99:>7.1f} {p50 / health_p50:>11.1f} "
            f"{queries[path]:>7}"
        )


if __name__ == "__main__":
    main()
