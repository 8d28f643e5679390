"""How long a doctor's "advance" in the admin takes with an instant mail
server and with a slow one (5 s a message), and how long the e-mails take to
get out.

Builds a throwaway hospital (a temporary SQLite file, or a new database on the
PostgreSQL server of DATABASE_URL, dropped afterwards) of owners with one
requested visit each, starts a fake SMTP server in this process, daphne with
production settings and `manage.py run_worker` beside it, both with EMAIL_URL
pointing at the fake server; then a signed-in doctor advances the visits one
request at a time, first with the server answering at once, then with it
taking --delay seconds over each message. See bench/README.md.

This measures; it asserts nothing. The issue asks for the slow server's
median within 1.2 times the instant one's: requests must not wait for mail.
"""

import argparse
import os
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
    list_advance,
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

# Nothing more is coming: the queue is empty and no e-mail came for this long.
QUIET = 10
WARM_UP = 10  # advances before the measured ones (templates, caches, connections)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--advances", type=int, default=20, help="measured requests per server"
    )
    parser.add_argument(
        "--delay", type=float, default=5.0, help="the slow server's seconds a message"
    )
    parser.add_argument(
        "--via",
        choices=["queue", "list"],
        default="queue",
        help="the queue's next-step button (one visit), or the visit list's "
        "'Advance one step' action (--per-request visits)",
    )
    parser.add_argument("--per-request", type=int, default=4, help="with --via list")
    parser.add_argument(
        "--wait", type=float, default=600, help="most seconds to wait for the mail"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = parser.parse_args()
    per_request = args.per_request if args.via == "list" else 1

    workdir = Path(tempfile.mkdtemp(prefix="healingpaws-mail-"))
    database_url, drop_database = throwaway_database(
        workdir, os.environ.get("DATABASE_URL", "")
    )
    production_environment(workdir, database_url)
    mail = FakeMailServer()
    os.environ["EMAIL_URL"] = mail.url
    daphne = worker = None
    try:
        print(f"Preparing {database_url} ...", flush=True)
        needed = (WARM_UP + 2 * args.advances) * per_request
        doctor, visits, admin = prepare(needed)
        daphne, base = start_daphne(workdir)
        worker = start_worker(workdir)
        browser = Browser(base, session_cookie(doctor))
        print(
            f"daphne on {base}, the worker beside it, mail server {mail.url}; "
            f"{args.advances} advances ({args.via}, {per_request} visit(s) each) "
            "per server, one at a time\n",
            flush=True,
        )

        def advance(chunk):
            if args.via == "queue":
                return queue_advance(browser, admin, chunk[0])
            return list_advance(browser, admin, chunk)

        chunks = [
            visits[i : i + per_request] for i in range(0, len(visits), per_request)
        ]
        for chunk in chunks[:WARM_UP]:
            advance(chunk)
        wait_for_mail(mail, WARM_UP * per_request, args.wait)
        rows = []
        for name, delay, phase in [
            ("instant", 0.0, chunks[WARM_UP : WARM_UP + args.advances]),
            (
                f"{args.delay:g} s/message",
                args.delay,
                chunks[WARM_UP + args.advances :],
            ),
        ]:
            mail.delay = delay
            already = mail.count()
            started = time.monotonic()
            outcomes = [advance(chunk) for chunk in phase]
            answered = time.monotonic()
            expected = already + len(phase) * per_request
            last = wait_for_mail(mail, expected, args.wait)
            rows.append(
                (name, outcomes, started, answered, last, mail.count() - already)
            )
        report(rows)
        pending, failed = queue_counts()
        print(
            f"\nqueue at the end: {pending} waiting or running, {failed} failed"
            if pending is not None
            else "\nno task queue table"
        )
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


def prepare(visit_count):
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    doctor, visits = seed_owners(visit_count)
    return doctor, visits, "/" + settings.DJANGO_ADMIN_URL


def wait_for_mail(mail, expected, timeout):
    """Until the server holds `expected` messages, or `timeout` seconds passed,
    or the task queue is empty and nothing arrived for QUIET seconds; returns
    when the last one arrived (monotonic) if all did, else None."""
    deadline = time.monotonic() + timeout
    seen, quiet_since = mail.count(), time.monotonic()
    while mail.count() < expected and time.monotonic() < deadline:
        time.sleep(0.05)
        if mail.count() != seen:
            seen, quiet_since = mail.count(), time.monotonic()
        elif time.monotonic() - quiet_since > QUIET and queue_counts()[0] in (0, None):
            break
    received = mail.snapshot()
    return received[-1][0] if len(received) >= expected and received else None


def report(rows):
    header = (
        f"{'mail server':<14} {'status':<12} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'max ms':>8} {'answered s':>10} {'mail out s':>10} {'e-mails':>7}"
    )
    print(header)
    print("-" * len(header))
    medians = []
    for name, outcomes, started, answered, last, delivered in rows:
        statuses = Counter(status for status, _ in outcomes)
        status = " ".join(
            f"{code}×{n}" for code, n in sorted(statuses.items(), key=str)
        )
        ms = sorted(seconds * 1000 for _, seconds in outcomes)
        p95 = (
            statistics.quantiles(ms, n=100, method="inclusive")[94]
            if len(ms) > 1
            else ms[0]
        )
        medians.append(statistics.median(ms))
        out = f"{last - started:10.1f}" if last else f"{'not all':>10}"
        print(
            f"{name:<14} {status:<12} {medians[-1]:>8.1f} {p95:>8.1f} {ms[-1]:>8.1f} "
            f"{answered - started:>10.1f} {out} {delivered:>7}"
        )
    print(
        f"\nslow / instant median: {medians[1] / medians[0]:.2f}× "
        "(the issue asks for at most 1.2×)"
    )
    print(
        "answered s: from the first request to the last answer; mail out s: from "
        "the first request until the fake server held the last e-mail"
    )


if __name__ == "__main__":
    main()
