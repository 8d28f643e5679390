"""Every figure of issue 14's table in one run, each beside its baseline and goal.

Runs bench/reservations.py (the pages, the changelists, the API, My pets at
1, 8 and 32 in flight and over 2 processes, its weight) and, with --chat,
bench/chat.py (its own tables, printed as they come): --chat-runs times at 5
messages a second against the plain server and the echo (latency, opening
sockets), and once with the chat alone at 35 a second, 7,000 deliveries a
second to 200 pages (capacity). Each runs in a child process; then it prints
the issue's table. The chat's ratios are, as in the issue's table, the median
of the runs' ratios, each against the baselines of its own run (the plain
server's p50 moved from 5.7 to 9.0 ms between runs of one morning), shown with
the run that had it. See bench/README.md. It measures; it asserts nothing.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

CUSTOMER_PAGES = ["home", "my pets", "my visits", "visit page", "booking", "thread"]
CHANGELISTS = ["visits admin", "queue", "pets admin", "users admin"]
API_BESIDE = {"api pets": "my pets", "api visits": "my visits"}
# The goals: a share of /healthz's req/s, and queries of one request.
CUSTOMER_GOAL, CHANGELIST_GOAL = 0.5, 0.2
CUSTOMER_QUERIES, CHANGELIST_QUERIES = 10, 8
# The chat's: latency as a multiple of the plain server's at 5 messages a
# second, deliveries a second held by one process, opening 200 sockets as a
# multiple of the echo's time.
CHAT_P50_GOAL, CHAT_P99_GOAL, OPEN_GOAL = 3, 5, 2
CAPACITY_RATE, CAPACITY_SENDERS = 35, 10  # 7,000 deliveries/s to 200 pages
CAPACITY_GOAL = CAPACITY_RATE * 200
# Held: (nearly) all offered deliveries a second arrive, none lost, and the
# latency stays bounded instead of growing with a backlog.
HELD_SHARE, HELD_P99_MS = 0.98, 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="per page")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/15",
        help="an empty Redis database for both scripts (emptied at the end)",
    )
    parser.add_argument(
        "--chat",
        action="store_true",
        help="also run bench/chat.py (several minutes), after the pages",
    )
    parser.add_argument(
        "--chat-runs",
        type=int,
        default=3,
        help="latency runs of bench/chat.py, the median ratio shown (3)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        figures_file = Path(folder) / "pages.json"
        _run(
            "reservations.py",
            f"--requests={args.requests}",
            f"--processes={args.processes}",
            f"--redis={args.redis}",
            f"--json={figures_file}",
        )
        figures = json.loads(figures_file.read_text())
        if args.chat:
            runs = []
            for number in range(1, args.chat_runs + 1):
                latency_file = Path(folder) / f"chat{number}.json"
                _run("chat.py", f"--redis={args.redis}", f"--json={latency_file}")
                rows = json.loads(latency_file.read_text())
                runs.append({row["name"]: row for row in rows})
            capacity_file = Path(folder) / "capacity.json"
            _run(
                "chat.py",
                f"--redis={args.redis}",
                "--sockets=chat",
                f"--rate={CAPACITY_RATE}",
                f"--senders={CAPACITY_SENDERS}",
                "--messages=200",
                f"--json={capacity_file}",
            )
            figures["chat"] = runs
            figures["capacity"] = json.loads(capacity_file.read_text())[0]
    print()
    print(table(figures))


def _run(script, *arguments):
    print(f"\n$ bench/{script} {' '.join(arguments)}", flush=True)
    subprocess.run(  # noqa: S603 (our own script, fixed arguments)
        [sys.executable, str(HERE / script), *arguments], check=True, env=os.environ
    )


def table(figures):
    pages = {row["page"]: row for row in figures["pages"]}
    health = pages["health"]["rate"]

    def share(name):
        return pages[name]["rate"] / health

    def mark(ok):
        return "met" if ok else "not met"

    lines = [
        "| | now | baseline in the same run | ratio | goal |",
        "|---|---|---|---|---|",
    ]
    for name in CUSTOMER_PAGES:
        row, met = pages[name], mark(share(name) >= CUSTOMER_GOAL)
        lines.append(
            f"| {name} | {row['rate']:.0f} req/s | `/healthz` {health:.0f} req/s "
            f"| {share(name):.3f}× | ≥ {CUSTOMER_GOAL}× ({met}) |"
        )
    for api, page in API_BESIDE.items():
        lines.append(
            f"| {api} (`{pages[api]['path']}`) | {pages[api]['rate']:.0f} req/s "
            f"| {page} {pages[page]['rate']:.0f} req/s "
            f"| {pages[api]['rate'] / pages[page]['rate']:.2f}× the page | |"
        )
    for name in CHANGELISTS:
        row = pages[name]
        lines.append(
            f"| {name} | {row['rate']:.0f} req/s, p50 {row['p50']:.0f} ms | "
            f"`/healthz` {health:.0f} req/s | {share(name):.3f}× | "
            f"≥ {CHANGELIST_GOAL}× ({mark(share(name) >= CHANGELIST_GOAL)}) |"
        )
    for level in figures["levels"]:
        base, page = level
        lines.append(
            f"| My pets at {page['in_flight']} in flight | {page['rate']:.0f} req/s, "
            f"{page['daphne_threads']} daphne threads | `/healthz` "
            f"{base['rate']:.0f} req/s | {page['rate'] / base['rate']:.3f}× | |"
        )
    if "processes" in figures:
        processes = figures["processes"]
        (one_health, one_page), (many_health, many_page) = (
            processes["one"],
            processes["many"],
        )
        lines.append(
            f"| My pets on {processes['n']} processes | {many_page['rate']:.0f} req/s "
            f"(`/healthz` {many_health['rate']:.0f}) | 1 process "
            f"{one_page['rate']:.0f} req/s (`/healthz` {one_health['rate']:.0f}) "
            f"| {many_page['rate'] / one_page['rate']:.2f}× | |"
        )
    if "chat" in figures:
        lines.extend(chat_lines(figures["chat"], figures["capacity"], mark))
    weight = figures["weight"]
    lines.append(
        f"| My pets' weight | {weight['total']:,} bytes (HTML {weight['html']:,}, "
        f"{weight['files']} CSS/JS files {weight['assets']:,} compressed) | "
        f"uncompressed CSS/JS {weight['assets_raw']:,} bytes | | |"
    )
    worst_customer = max(pages[name]["queries"] for name in CUSTOMER_PAGES)
    worst_changelist = max(pages[name]["queries"] for name in CHANGELISTS)
    lines.append(
        f"| queries | customer pages ≤ {worst_customer}, changelists ≤ "
        f"{worst_changelist} | | | ≤ {CUSTOMER_QUERIES} customer "
        f"({mark(worst_customer <= CUSTOMER_QUERIES)}), ≤ {CHANGELIST_QUERIES} "
        f"changelist ({mark(worst_changelist <= CHANGELIST_QUERIES)}) |"
    )
    return "\n".join(lines)


def median_run(runs, ratio):
    """The run whose ratio (of its own figures) is the median of the runs'."""
    ordered = sorted(runs, key=ratio)
    return ordered[(len(ordered) - 1) // 2]


def chat_lines(runs, capacity, mark):
    def p50_ratio(run):
        return run["chat"]["p50"] / run["plain"]["p50"]

    def p99_ratio(run):
        return run["chat"]["p99"] / run["plain"]["p99"]

    def opening_ratio(run):
        return run["chat"]["open_seconds"] / run["echo"]["open_seconds"]

    at_p50, at_p99 = median_run(runs, p50_ratio), median_run(runs, p99_ratio)
    at_opening = median_run(runs, opening_ratio)
    p50, p99, opening = p50_ratio(at_p50), p99_ratio(at_p99), opening_ratio(at_opening)
    chat, plain = at_p50["chat"], at_p50["plain"]
    held = (
        capacity["deliveries_per_second"] >= HELD_SHARE * CAPACITY_GOAL
        and capacity["lost"] == 0
        and capacity["p99"] <= HELD_P99_MS
    )
    of_runs = f"median of {len(runs)} runs: " if len(runs) > 1 else ""
    every = ", ".join(f"{p50_ratio(run):.1f}×" for run in runs)
    every = f" (p50 by run: {every})" if len(runs) > 1 else ""
    return [
        f"| chat to 200 open pages, 5 msg/s | p50 {chat['p50']:.1f} ms, p99 "
        f"{at_p99['chat']['p99']:.1f} ms | plain `websockets` server "
        f"{plain['p50']:.1f} / {at_p99['plain']['p99']:.1f} ms | {of_runs}"
        f"{p50:.1f}× / {p99:.1f}×{every} | ≤ {CHAT_P50_GOAL}× "
        f"({mark(p50 <= CHAT_P50_GOAL)}) / ≤ {CHAT_P99_GOAL}× "
        f"({mark(p99 <= CHAT_P99_GOAL)}) |",
        f"| chat capacity, {CAPACITY_RATE} msg/s to 200 pages | "
        f"{capacity['deliveries_per_second']:,.0f} deliveries/s, lost "
        f"{capacity['lost']}, p99 {capacity['p99']:,.0f} ms, "
        f"{capacity['server_ms_per_message']:.1f} ms of daphne CPU a message | plain "
        f"server {plain['server_ms_per_message']:.1f} ms CPU a message | "
        f"{capacity['deliveries_per_second'] / CAPACITY_GOAL:.2f} of goal | "
        f"≥ {CAPACITY_GOAL:,}/s held, nothing lost ({mark(held)}) |",
        f"| opening 200 doctors' chat sockets | "
        f"{at_opening['chat']['open_seconds']:.2f} s | Channels echo "
        f"{at_opening['echo']['open_seconds']:.2f} s | {of_runs}{opening:.1f}× | "
        f"≤ {OPEN_GOAL}× ({mark(opening <= OPEN_GOAL)}) |",
    ]


if __name__ == "__main__":
    main()
