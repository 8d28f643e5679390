"""E-mails while the mail server refuses: 50 visit changes, 20 signups and 20
password resets happen, the server comes back, and every e-mail should arrive
exactly once, with no request answered 500.

Builds a throwaway hospital (a temporary SQLite file, or a new database on the
PostgreSQL server of DATABASE_URL, dropped afterwards), starts a fake SMTP
server in this process, daphne with production settings and `manage.py
run_worker` beside it, both with EMAIL_URL pointing at the fake server. The
server refuses for --refuse-seconds (default 600) while the requests are made,
spread over the first half of it; then it accepts, and the script waits for
the worker's retries (their first wait: --retry-first-wait, default the
setting's 30 s). See bench/README.md.

This measures; it asserts nothing. It prints the requests by status and the
e-mails by recipient: each expected address once, none twice, no stranger.
"""

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

from bench._mail import (  # noqa: E402
    Browser,
    FakeMailServer,
    queue_advance,
    queue_counts,
    seed_owners,
    start_worker,
    stop_worker,
)
from bench._server import (  # noqa: E402
    production_environment,
    session_cookie,
    start_daphne,
    stop_daphne,
    throwaway_database,
)

KINDS = ["visit change", "signup", "password reset"]
PASSWORD = "a long bench password 42"  # noqa: S105 (throwaway accounts)
# After every expected e-mail arrived, wait this long for duplicates.
SETTLE = 15


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--refuse-seconds", type=float, default=600)
    parser.add_argument(
        "--refuse-with",
        choices=["down", "421"],
        default="down",
        help="nothing listens (connection refused), or it answers every "
        "recipient '421 try again later'",
    )
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--signups", type=int, default=20)
    parser.add_argument("--resets", type=int, default=20)
    parser.add_argument(
        "--wait",
        type=float,
        default=None,
        help="most seconds to wait for the e-mails once the server is back "
        "(default: the refusal plus 5 minutes, the retries' waits double)",
    )
    parser.add_argument(
        "--retry-first-wait",
        type=float,
        default=None,
        help="seconds before an e-mail's second attempt "
        "(TASKS_RETRY_FIRST_WAIT_SECONDS; default the setting's, 30 s)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = parser.parse_args()
    wait = args.wait if args.wait is not None else args.refuse_seconds + 300

    workdir = Path(tempfile.mkdtemp(prefix="healingpaws-mail-outage-"))
    database_url, drop_database = throwaway_database(
        workdir, os.environ.get("DATABASE_URL", "")
    )
    production_environment(workdir, database_url)
    if args.retry_first_wait is not None:
        os.environ["TASKS_RETRY_FIRST_WAIT_SECONDS"] = str(args.retry_first_wait)
    mail = FakeMailServer()
    os.environ["EMAIL_URL"] = mail.url
    daphne = worker = None
    try:
        print(f"Preparing {database_url} ...", flush=True)
        doctor, visits, reset_emails, admin = prepare(args.changes, args.resets)
        daphne, base = start_daphne(workdir)
        worker = start_worker(workdir)
        print(
            f"daphne on {base}, the worker beside it, mail server {mail.url}\n"
            f"retry waits: {retry_waits()}\n",
            flush=True,
        )
        doctor_browser = Browser(base, session_cookie(doctor))
        jobs = [("visit change", visit.pet.owner.email, visit) for visit in visits]
        jobs += [
            ("signup", f"signup{i}@bench.example", f"signup{i}")
            for i in range(args.signups)
        ]
        jobs += [("password reset", address, None) for address in reset_emails]
        random.Random(13).shuffle(jobs)  # noqa: S311 (an order, not a secret)

        mail.set_refusing(args.refuse_with)
        started = time.monotonic()
        back_at = started + args.refuse_seconds
        spread = min(args.refuse_seconds / 2, 300)
        print(
            f"The server refuses ({args.refuse_with}) for {args.refuse_seconds:g} s; "
            f"{len(jobs)} requests over the first {spread:g} s ...",
            flush=True,
        )
        statuses = {kind: Counter() for kind in KINDS}
        seconds = {kind: [] for kind in KINDS}
        for i, (kind, address, target) in enumerate(jobs):
            time.sleep(max(0, started + i * spread / len(jobs) - time.monotonic()))
            if kind == "visit change":
                status, took = queue_advance(doctor_browser, admin, target)
            elif kind == "signup":
                status, took = Browser(base).post(
                    "/accounts/signup/",
                    {
                        "username": target,
                        "email": address,
                        "password1": PASSWORD,
                        "password2": PASSWORD,
                        "accept_rules": "on",
                    },
                )
            else:
                status, took = Browser(base).post(
                    "/accounts/password/reset/", {"email": address}
                )
            statuses[kind][status] += 1
            seconds[kind].append(took)
        print(
            f"answered by {time.monotonic() - started:.0f} s; "
            f"{mail.count()} e-mails got through meanwhile",
            flush=True,
        )
        time.sleep(max(0, back_at - time.monotonic()))
        mail.set_refusing(None)
        print("The server accepts again.", flush=True)
        expected = {kind: [] for kind in KINDS}
        for kind, address, _ in jobs:
            expected[kind].append(address)
        wait_for_mail(mail, {a for v in expected.values() for a in v}, back_at, wait)
        report(statuses, seconds, expected, mail.snapshot(), back_at)
    finally:
        if worker:
            stop_worker(worker)
        if daphne:
            stop_daphne(daphne)
        mail.stop()
        drop_database()
        if args.keep:
            print(f"\nKept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def prepare(changes, resets):
    """Migrate, seed the owners' visits and the users who forgot their
    password (verified addresses, usable passwords)."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from accounts.models import User
    from accounts.services import user_create_verified

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    doctor, visits = seed_owners(changes)
    reset_emails = []
    for i in range(resets):
        user = user_create_verified(
            username=f"forgetful{i}", email=f"forgetful{i}@bench.example", password=None
        )
        reset_emails.append(user.email)
    User.objects.filter(username__startswith="forgetful").update(
        password=make_password(PASSWORD)
    )
    return doctor, visits, reset_emails, "/" + settings.DJANGO_ADMIN_URL


def retry_waits():
    from core.background import MAX_ATTEMPTS, retry_wait

    waits = [retry_wait(n).total_seconds() for n in range(1, MAX_ATTEMPTS)]
    return ", ".join(f"{s:g} s" for s in waits) + f" ({MAX_ATTEMPTS} attempts)"


def wait_for_mail(mail, addresses, back_at, timeout):
    """Until every address got its e-mail (then SETTLE more seconds, for any
    second copy), or the queue is empty with nothing missing, or timeout."""
    deadline = back_at + timeout
    last_note = 0
    while time.monotonic() < deadline:
        got = {address for _, address, _ in mail.snapshot()}
        missing = len(addresses - got)
        pending, failed = queue_counts()
        if not missing or (pending == 0 and time.monotonic() > back_at + 5):
            break
        if time.monotonic() - last_note >= 30:
            last_note = time.monotonic()
            print(
                f"  {time.monotonic() - back_at:5.0f} s after: {missing} missing, "
                f"{pending} tasks waiting or running, {failed} failed",
                flush=True,
            )
        time.sleep(0.5)
    time.sleep(SETTLE)


def report(statuses, seconds, expected, received, back_at):
    print("\nrequests")
    print(f"  {'kind':<16} {'sent':>5} {'p50 ms':>7} {'max ms':>7}  status")
    for kind in KINDS:
        counts = statuses[kind]
        status = " ".join(f"{code}×{n}" for code, n in sorted(counts.items(), key=str))
        ms = [s * 1000 for s in seconds[kind]] or [0]
        print(
            f"  {kind:<16} {sum(counts.values()):>5} {statistics.median(ms):>7.0f} "
            f"{max(ms):>7.0f}  {status}"
        )
    answered_500 = sum(counts[500] for counts in statuses.values())
    print(f"  answered 500: {answered_500}")

    per_address = Counter(address for _, address, _ in received)
    when = {}
    for at, address, _ in received:
        when.setdefault(address, at)
    print("\ne-mails (by recipient; seconds from the server's return)")
    print(
        f"  {'kind':<16} {'expected':>8} {'once':>5} {'twice+':>6} {'missing':>7} "
        f"{'first s':>8} {'last s':>8}"
    )
    for kind in KINDS:
        addresses = expected[kind]
        times = [when[a] - back_at for a in addresses if a in when]
        first = f"{min(times):8.1f}" if times else f"{'-':>8}"
        last = f"{max(times):8.1f}" if times else f"{'-':>8}"
        print(
            f"  {kind:<16} {len(addresses):>8} "
            f"{sum(per_address[a] == 1 for a in addresses):>5} "
            f"{sum(per_address[a] > 1 for a in addresses):>6} "
            f"{sum(a not in per_address for a in addresses):>7} {first} {last}"
        )
    known = {a for addresses in expected.values() for a in addresses}
    strangers = {a: n for a, n in per_address.items() if a not in known}
    print(f"  other recipients: {strangers or 'none'}")
    pending, failed = queue_counts()
    if pending is not None:
        print(f"\nqueue at the end: {pending} waiting or running, {failed} failed")


if __name__ == "__main__":
    main()
