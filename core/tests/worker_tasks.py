"""Tasks the worker integration tests enqueue (test_workers.py): each one
writes its runs to a table of the test's own, from whichever worker process
runs it, so that the test can count them."""

import os
import time

from django.db import connection
from django_tasks import task

RUNS_TABLE = "test_worker_runs"


def record(number: int, phase: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {RUNS_TABLE} (number, phase, pid) VALUES (%s, %s, %s)",  # noqa: S608 (a constant)
            [number, phase, os.getpid()],
        )


def starts(number: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {RUNS_TABLE} WHERE number = %s AND phase = 'start'",  # noqa: S608
            [number],
        )
        return cursor.fetchone()[0]


@task()
def count_run(number: int) -> None:
    """Runs briefly, so that two workers share the queue."""
    time.sleep(0.01)
    record(number, "end")


@task()
def slow_the_first_time(number: int, seconds: float) -> None:
    """The first run takes `seconds` (long enough to be killed in the
    middle); a run after that ends at once."""
    record(number, "start")
    if starts(number) == 1:
        time.sleep(seconds)
    record(number, "end")
